//! `GET /health`: liveness, and whether every kind with a catalogue has its
//! matcher. A kind whose newest version has no matcher (a failed build, or
//! one still loading) makes the status `degraded`, so monitoring sees what
//! `/v1/match` would answer.

use super::AppState;
use crate::engines::newest;
use axum::Json;
use serde_json::{json, Map, Value};

pub(crate) async fn health(axum::extract::State(app): AppState) -> Json<Value> {
    let snap = app.snapshot();
    let mut kinds = Map::new();
    let mut degraded = false;
    for (cat, v) in newest(&snap.versions) {
        let m = snap.engines.get(cat);
        let failure = snap.engines.failed.get(&cat);
        let state = match m {
            Some(m) if m.version().id == v.id && failure.is_none() => "ok",
            Some(_) => "stale",
            None => "missing",
        };
        degraded |= state != "ok";
        let mut k = json!({
            "newest": v.label,
            "matcher": state,
            "serving": m.map(|m| m.version().label.clone()),
        });
        if let Some(f) = failure {
            k["error"] = Value::from(f.error.clone());
        }
        kinds.insert(cat.as_str().to_string(), k);
    }
    let status = if !snap.loaded {
        "loading"
    } else if degraded {
        "degraded"
    } else {
        "ok"
    };
    Json(json!({
        "status": status,
        "versions": snap.versions.len(),
        "kinds": kinds,
        "writes": app.writes_enabled(),
        "read_only": app.is_read_only(),
    }))
}

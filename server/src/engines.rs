//! The matchers the server answers from: one per mappable category, over the
//! newest version of that category. Rebuilt only for categories whose newest
//! version changed; the others are shared with the previous snapshot. When a
//! build fails the previous matcher stays (answers from an older version beat
//! no answers) and the failure is kept so `/health` says degraded and the
//! next refresh retries. Each matcher uses the home's per-field model
//! (`<home>/field_model.json`, written by `mulu calibrate`) when it has a valid
//! one; a matcher built with another model is rebuilt at the next refresh.
//! Diagnosis and procedure matchers read HIS codes through the newest
//! 临床版→医保版映射表, and are rebuilt when a newer one is imported (or one
//! replaced: a table is named by version id and checksum); the kind of each
//! table version is kept across refreshes and the table a matcher holds is
//! reused while it is the newest, so an import of drugs reads no table rows.

use catalog_core::{Category, Store, VersionInfo};
use matcher::calibrate::FieldModel;
use matcher::index::CatalogIndex;
use matcher::Matcher;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// A build that failed: why, and when.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    pub version_id: i64,
    pub error: String,
    pub at: Instant,
}

#[derive(Default)]
pub(crate) struct Engines {
    pub by_category: BTreeMap<Category, Arc<Matcher>>,
    /// Categories whose newest version has no matcher, with the reason.
    pub failed: BTreeMap<Category, Failure>,
    /// The ICD kind of each 映射表 version read (`crosswalk::newest_known`).
    pub crosswalk_kinds: matcher::crosswalk::KnownKinds,
}

impl Engines {
    /// Matchers for the newest version of each category. A category whose
    /// build failed within `retry_after` is not tried again yet.
    pub fn load(
        home: &Path,
        store: &Store,
        versions: &[VersionInfo],
        previous: Option<&Engines>,
        retry_after: std::time::Duration,
    ) -> Engines {
        let mut out = Engines {
            crosswalk_kinds: previous
                .map(|p| p.crosswalk_kinds.clone())
                .unwrap_or_default(),
            ..Engines::default()
        };
        let model = field_model(home);
        for (cat, v) in newest(versions) {
            let prev = previous.and_then(|p| p.by_category.get(&cat));
            // Diagnoses and procedures read HIS codes through their newest 映射表.
            let crosswalk = if matches!(cat, Category::Diagnosis | Category::Procedure) {
                let have = prev.and_then(|m| m.shared_crosswalk());
                match matcher::crosswalk::newest_known(
                    store,
                    cat,
                    versions,
                    &mut out.crosswalk_kinds,
                    have,
                ) {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(kind = %cat, error = %e, "the 映射表 could not be read; matching without it");
                        None
                    }
                }
            } else {
                None
            };
            let cw_id = crosswalk
                .as_ref()
                .map(|c| (c.id(), c.checksum().to_string()));
            if let Some(m) = prev {
                if m.version().id == v.id
                    && m.version().checksum == v.checksum
                    && m.field_model() == &model
                    && m.crosswalk().map(|c| (c.id(), c.checksum().to_string())) == cw_id
                {
                    out.by_category.insert(cat, m.clone());
                    continue;
                }
            }
            let recent_failure = previous
                .and_then(|p| p.failed.get(&cat))
                .filter(|f| f.version_id == v.id && f.at.elapsed() < retry_after);
            let built = match recent_failure {
                Some(f) => Err(f.clone()),
                None => CatalogIndex::ensure(store, v, home, &|_, _| {})
                    .map(|(index, built)| {
                        if built {
                            tracing::info!(kind = %cat, label = %v.label, rows = v.row_count, "index built");
                        }
                        let mut m = Matcher::new(index).with_field_model(model.clone());
                        if let Some(cw) = crosswalk.as_ref() {
                            m = m.with_crosswalk(cw.clone());
                        }
                        Arc::new(m)
                    })
                    .map_err(|e| {
                        tracing::warn!(kind = %cat, label = %v.label, error = %e, "no matcher for this version; keeping the previous one");
                        Failure {
                            version_id: v.id,
                            error: crate::public::redact_text(&format!("{e:#}")),
                            at: Instant::now(),
                        }
                    }),
            };
            match built {
                Ok(m) => {
                    out.by_category.insert(cat, m);
                }
                Err(f) => {
                    if let Some(m) = prev {
                        out.by_category.insert(cat, m.clone());
                    }
                    out.failed.insert(cat, f);
                }
            }
        }
        out
    }

    pub fn get(&self, cat: Category) -> Option<&Arc<Matcher>> {
        self.by_category.get(&cat)
    }
}

/// The per-field model of this home: `<home>/field_model.json` when
/// `mulu calibrate` wrote a valid one, else the shipped model. A file that
/// cannot be used is logged as a warning naming it, and the shipped model
/// answers.
pub(crate) fn field_model(home: &Path) -> FieldModel {
    match FieldModel::from_home(home) {
        Ok(Some(m)) => m,
        Ok(None) => FieldModel::shipped(),
        Err(e) => {
            tracing::warn!(file = %e.path.display(), reason = %e.reason, "本库的逐字段模型无法使用，改用内置模型 (the home's per-field model cannot be used; the shipped one answers)");
            FieldModel::shipped()
        }
    }
}

/// The newest version of each mappable category.
pub(crate) fn newest(versions: &[VersionInfo]) -> BTreeMap<Category, &VersionInfo> {
    let mut newest: BTreeMap<Category, &VersionInfo> = BTreeMap::new();
    for v in versions.iter().filter(|v| v.category.is_mappable()) {
        let slot = newest.entry(v.category).or_insert(v);
        if v.id > slot.id {
            *slot = v;
        }
    }
    newest
}

//! Look-ups by code are primary-key probes, never scans of `entries`.

use super::*;
use crate::entry::Detail;

fn version(s: &mut Store, label: &str, codes: &[&str]) -> VersionInfo {
    let meta = VersionMeta {
        category: Category::Drug,
        label: label.into(),
        source: "t".into(),
        published: None,
        note: None,
    };
    let rows: Vec<std::result::Result<Entry, String>> = codes
        .iter()
        .map(|c| {
            Ok(Entry::new(
                *c,
                format!("药{label}"),
                Detail::empty(Category::Drug),
            ))
        })
        .collect();
    s.import_version(&meta, false, rows).unwrap()
}

/// The `detail` lines of SQLite's plan for a statement.
fn plan(s: &Store, sql: &str) -> Vec<String> {
    let mut st = s
        .conn()
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap();
    let n = st.parameter_count();
    let params: Vec<String> = (0..n).map(|_| "1".to_string()).collect();
    st.query_map(rusqlite::params_from_iter(params), |r| {
        r.get::<_, String>(3)
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

/// Every step touching `entries` is a search by the whole primary key.
fn probes_only(lines: &[String]) -> bool {
    let on_entries: Vec<&String> = lines.iter().filter(|l| l.contains("entries")).collect();
    !on_entries.is_empty()
        && on_entries
            .iter()
            .all(|l| l.starts_with("SEARCH entries USING PRIMARY KEY (version_id=? AND code=?)"))
}

#[test]
fn code_look_ups_probe_the_primary_key_and_never_scan_entries() {
    let mut s = Store::open_in_memory().unwrap();
    let many: Vec<String> = (0..2000)
        .map(|i| format!("XA01ABD075A0020101{i:05}"))
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    version(&mut s, "v1", &refs);
    version(&mut s, "v2", &refs[..10]);
    // Statistics as a long-lived store has them: the planner's choice must not depend on guesses.
    s.conn().execute_batch("ANALYZE").unwrap();
    for sql in [PROBE_ROW, PROBE_EXISTS] {
        let p = plan(&s, sql);
        assert!(probes_only(&p), "{sql}: {p:?}");
    }
    // The check itself can fail: a look-up by code alone scans the table.
    let scan = plan(&s, "SELECT data FROM entries WHERE code = ?1");
    assert!(!probes_only(&scan), "{scan:?}");
}

#[test]
fn find_codes_resolves_a_batch_to_the_newest_version_holding_each_code() {
    let mut s = Store::open_in_memory().unwrap();
    let a = "XA01ABD075A002010100001";
    let b = "XA01ABD075A002010100002";
    let v1 = version(&mut s, "v1", &[a, b]);
    let v2 = version(&mut s, "v2", &[a]);
    let got = s.find_codes([a, b, "NOPE", a]).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!((got[a].0.id, got[a].1.name.as_str()), (v2.id, "药v2"));
    assert_eq!(got[b].0.id, v1.id);
    // The same answer as find_code's first hit.
    for code in [a, b] {
        assert_eq!(s.find_code(code).unwrap()[0].0.id, got[code].0.id);
    }
    let all = s.find_code(a).unwrap();
    assert_eq!(
        all.iter().map(|(v, _)| v.id).collect::<Vec<_>>(),
        [v2.id, v1.id]
    );
}

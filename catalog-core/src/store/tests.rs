use super::*;
use crate::entry::{Detail, FieldValue};

fn drug(code: &str, name: &str) -> Entry {
    let mut e = Entry::new(code, name, Detail::empty(Category::Drug));
    e.detail
        .set("manufacturer", FieldValue::Text("某某制药有限公司".into()));
    e
}

fn meta(label: &str) -> VersionMeta {
    VersionMeta {
        category: Category::Drug,
        label: label.into(),
        source: "test.csv".into(),
        published: None,
        note: None,
    }
}

fn ok_rows(n: usize) -> Vec<std::result::Result<Entry, String>> {
    (0..n)
        .map(|i| {
            Ok(drug(
                &format!("XA01ABD075A0020101{i:05}"),
                &format!("药{i}"),
            ))
        })
        .collect()
}

#[test]
fn import_then_read_back_every_row() {
    let mut s = Store::open_in_memory().unwrap();
    let v = s
        .import_version(&meta("2026-01"), false, ok_rows(50))
        .unwrap();
    assert_eq!(v.row_count, 50);
    assert_eq!(v.checksum.len(), 64);
    let rows = s.entries(v.id).unwrap();
    assert_eq!(rows.len(), 50);
    assert_eq!(rows[3], drug("XA01ABD075A002010100003", "药3"));
    assert_eq!(s.resolve(Some("2026-01"), None).unwrap().id, v.id);
    assert_eq!(s.find_code("XA01ABD075A002010100007").unwrap().len(), 1);
}

#[test]
fn checksum_ignores_row_order_but_not_content() {
    let mut s = Store::open_in_memory().unwrap();
    let a = s.import_version(&meta("a"), false, ok_rows(20)).unwrap();
    let mut rev = ok_rows(20);
    rev.reverse();
    let b = s.import_version(&meta("b"), false, rev).unwrap();
    assert_eq!(a.checksum, b.checksum);
    let mut changed = ok_rows(20);
    changed[5] = Ok(drug("XA01ABD075A002010100005", "改名"));
    let c = s.import_version(&meta("c"), false, changed).unwrap();
    assert_ne!(a.checksum, c.checksum);
}

#[test]
fn failure_mid_import_leaves_the_old_version_intact() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_home(dir.path()).unwrap();
    let old = s
        .import_version(&meta("2026-01"), false, ok_rows(30))
        .unwrap();
    // Re-import the same label with replace; the reader fails at row 20.
    let mut rows = ok_rows(40);
    rows[19] = Err("malformed element at line 12345".to_string());
    let err = s.import_version(&meta("2026-01"), true, rows).unwrap_err();
    assert!(err.to_string().contains("malformed element"), "{err}");
    drop(s);
    // A fresh connection sees exactly the old version.
    let s = Store::open_home(dir.path()).unwrap();
    let vs = s.versions().unwrap();
    assert_eq!(vs, vec![old.clone()]);
    assert_eq!(s.entries(old.id).unwrap().len(), 30);
}

#[test]
fn duplicate_code_or_wrong_category_aborts_whole_import() {
    let mut s = Store::open_in_memory().unwrap();
    let mut rows = ok_rows(10);
    rows.push(Ok(drug("XA01ABD075A002010100003", "重复")));
    let err = s.import_version(&meta("dup"), false, rows).unwrap_err();
    assert!(
        matches!(err, StoreError::DuplicateCode { row: 11, .. }),
        "{err}"
    );
    let wrong = vec![Ok::<_, String>(Entry::new(
        "A00.000",
        "霍乱",
        Detail::empty(Category::Diagnosis),
    ))];
    assert!(matches!(
        s.import_version(&meta("wrong"), false, wrong),
        Err(StoreError::WrongCategory { .. })
    ));
    assert!(s.versions().unwrap().is_empty());
}

#[test]
fn existing_label_needs_replace() {
    let mut s = Store::open_in_memory().unwrap();
    s.import_version(&meta("x"), false, ok_rows(2)).unwrap();
    assert!(matches!(
        s.import_version(&meta("x"), false, ok_rows(2)),
        Err(StoreError::LabelExists { .. })
    ));
    let v = s.import_version(&meta("x"), true, ok_rows(3)).unwrap();
    assert_eq!(v.row_count, 3);
    assert_eq!(s.versions().unwrap().len(), 1);
}

#[test]
fn resolve_by_latest_and_ambiguity() {
    let mut s = Store::open_in_memory().unwrap();
    s.import_version(&meta("v1"), false, ok_rows(1)).unwrap();
    let v2 = s.import_version(&meta("v2"), false, ok_rows(1)).unwrap();
    assert_eq!(s.resolve(None, Some(Category::Drug)).unwrap().id, v2.id);
    let dx = VersionMeta {
        category: Category::Diagnosis,
        ..meta("v2")
    };
    s.import_version(
        &dx,
        false,
        vec![Ok::<_, String>(Entry::new(
            "A00.000",
            "霍乱",
            Detail::empty(Category::Diagnosis),
        ))],
    )
    .unwrap();
    assert!(matches!(
        s.resolve(Some("v2"), None),
        Err(StoreError::Ambiguous { .. })
    ));
    assert_eq!(
        s.resolve(Some("v2"), Some(Category::Diagnosis))
            .unwrap()
            .category,
        Category::Diagnosis
    );
    assert!(matches!(
        s.resolve(Some("nope"), None),
        Err(StoreError::NoSuchVersion(_))
    ));
}

#[test]
fn migrations_are_recorded_and_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open_home(dir.path()).unwrap();
    assert_eq!(s.schema_version().unwrap(), schema::latest_version());
    drop(s);
    let s = Store::open_home(dir.path()).unwrap();
    assert_eq!(s.schema_version().unwrap(), schema::latest_version());
}

#[test]
fn decisions_upsert_by_code_and_name_and_keep_history() {
    let mut s = Store::open_in_memory().unwrap();
    let d = Decision {
        category: Some(Category::Drug),
        hospital_code: "Y0001".into(),
        hospital_name: "阿莫西林胶囊".into(),
        target_code: Some("XJ01CAA040E001010100600".into()),
        score: Some(0.93),
        ..Default::default()
    };
    let m = s.record_decision(&d).unwrap();
    assert_eq!(m.status, MappingStatus::Suggested);
    let approve = Decision {
        status: Some(MappingStatus::Approved),
        reviewer: Some("王医保".into()),
        ..d.clone()
    };
    let m2 = s.record_decision(&approve).unwrap();
    assert_eq!(m2.id, m.id);
    assert_eq!(m2.status, MappingStatus::Approved);
    assert_eq!(m2.target_code, m.target_code);
    assert!(m2.decided_at.is_some());
    // Same hospital code, different name: a different item.
    let other = Decision {
        hospital_name: "阿莫西林片".into(),
        ..d.clone()
    };
    assert_ne!(s.record_decision(&other).unwrap().id, m.id);
    let ev = s.mapping_events(m.id).unwrap();
    assert_eq!(
        ev.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["suggested", "approved"]
    );
    assert_eq!(
        s.mappings(None, Some(MappingStatus::Approved))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn new_stores_use_large_pages_and_find_codes_across_versions() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_home(dir.path()).unwrap();
    let page: i64 = s
        .conn()
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    assert_eq!(page, 65_536);
    s.import_version(&meta("a"), false, ok_rows(5)).unwrap();
    s.import_version(&meta("b"), false, ok_rows(3)).unwrap();
    let hits = s.find_code("XA01ABD075A002010100002").unwrap();
    assert_eq!(
        hits.iter()
            .map(|(v, _)| v.label.as_str())
            .collect::<Vec<_>>(),
        ["b", "a"]
    );
    assert_eq!(s.find_code("XA01ABD075A002010100004").unwrap().len(), 1);
    assert!(s.find_code("nope").unwrap().is_empty());
}

/// A raw connection holding the write lock with a version written but not committed.
fn hold_write_lock(path: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        "BEGIN IMMEDIATE;
         INSERT INTO versions (category, label, source, imported_at, row_count, checksum)
         VALUES ('drug', 'held', 'x', 'now', 0, '');",
    )
    .unwrap();
    c
}

#[test]
fn a_second_writer_waits_for_the_first_instead_of_failing_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mulu.db");
    drop(Store::open(&path).unwrap());
    let mut b = Store::open(&path).unwrap();
    let a = hold_write_lock(&path);
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(400));
        a.execute_batch("COMMIT").unwrap();
    });
    // A deferred transaction read first, then failed to upgrade with "database is locked".
    let v = b
        .import_version(&meta("second"), false, ok_rows(3))
        .unwrap();
    assert_eq!(v.row_count, 3);
    releaser.join().unwrap();
    let labels: Vec<String> = b.versions().unwrap().into_iter().map(|v| v.label).collect();
    assert_eq!(labels, ["held", "second"]);
    let m = b
        .record_decision(&Decision {
            category: Some(Category::Drug),
            hospital_code: "H1".into(),
            hospital_name: "x".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(m.hospital_code, "H1");
}

#[test]
fn a_writer_still_blocked_after_the_wait_gets_busy_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mulu.db");
    let mut b = Store::open(&path).unwrap();
    let a = hold_write_lock(&path);
    b.set_busy_timeout(std::time::Duration::from_millis(200))
        .unwrap();
    let err = b
        .import_version(&meta("late"), false, ok_rows(3))
        .unwrap_err();
    assert!(err.is_busy(), "{err:?}");
    assert!(
        err.to_string().contains("另一个导入正在写入此存储"),
        "{err}"
    );
    assert!(
        err.to_string().contains("another writer holds the store"),
        "{err}"
    );
    let err = b
        .record_decision(&Decision {
            category: Some(Category::Drug),
            hospital_code: "H1".into(),
            hospital_name: "x".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.is_busy(), "{err:?}");
    a.execute_batch("ROLLBACK").unwrap();
    assert!(b.versions().unwrap().is_empty());
    assert!(b.mappings(None, None).unwrap().is_empty());
}

#[test]
fn a_store_from_a_newer_mulu_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mulu.db");
    drop(Store::open(&path).unwrap());
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'later')",
        [],
    )
    .unwrap();
    drop(c);
    let err = Store::open(&path).err().expect("refused");
    assert!(
        matches!(err, StoreError::TooNew { found: 99, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("upgrade mulu"), "{err}");
    assert!(Store::open_read_only(&path).is_err());
    let c = rusqlite::Connection::open(&path).unwrap();
    let steps: i64 = c
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(steps, schema::MIGRATIONS.len() as i64 + 1);
}

#[test]
fn a_read_only_store_lists_versions_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mulu.db");
    let mut w = Store::open(&path).unwrap();
    w.import_version(&meta("v1"), false, ok_rows(4)).unwrap();
    let mut r = Store::open_read_only(&path).unwrap();
    assert!(r.is_read_only());
    assert_eq!(r.versions().unwrap().len(), 1);
    let err = r
        .import_version(&meta("v2"), false, ok_rows(1))
        .unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    assert!(err.to_string().contains("read-only"), "{err}");
    assert!(r.delete_version(1).is_err());
    assert_eq!(w.versions().unwrap().len(), 1);
}

#[test]
fn a_reader_is_not_blocked_by_an_uncommitted_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mulu.db");
    let mut w = Store::open(&path).unwrap();
    w.import_version(&meta("v1"), false, ok_rows(4)).unwrap();
    let a = hold_write_lock(&path);
    let r = Store::open_read_only(&path).unwrap();
    r.set_busy_timeout(std::time::Duration::from_millis(1))
        .unwrap();
    // WAL: the reader sees the last commit, not the write in progress.
    let labels: Vec<String> = r.versions().unwrap().into_iter().map(|v| v.label).collect();
    assert_eq!(labels, ["v1"]);
    a.execute_batch("COMMIT").unwrap();
    assert_eq!(r.versions().unwrap().len(), 2);
}

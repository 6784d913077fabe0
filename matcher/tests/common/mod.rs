//! The matcher over a small in-memory catalogue, shared by the test files.

use catalog_core::{Category, Entry, Store, VersionMeta};
use matcher::{index, Matcher};

/// Import `entries` as version "v1" of `category` into an in-memory store,
/// index it in a temporary home and open the matcher (keep the directory
/// alive as long as the matcher).
pub fn matcher_of(category: Category, entries: Vec<Entry>) -> (Matcher, tempfile::TempDir) {
    let mut store = Store::open_in_memory().unwrap();
    let meta = VersionMeta {
        category,
        label: "v1".into(),
        source: "test".into(),
        published: None,
        note: None,
    };
    let v = store
        .import_version(&meta, false, entries.into_iter().map(Ok::<_, String>))
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = index::dir_for(tmp.path(), &v);
    index::build(&store, &v, &dir, &|_, _| {}).unwrap();
    assert!(index::is_fresh(&dir, &v));
    (Matcher::open(&dir).unwrap(), tmp)
}

/// Diagnosis rows from (code, name) pairs.
#[allow(dead_code)] // not every test file has diagnoses
pub fn diagnosis_entries(rows: &[(&str, &str)]) -> Vec<Entry> {
    rows.iter()
        .map(|(c, n)| {
            Entry::new(
                *c,
                *n,
                catalog_core::Detail::Diagnosis(catalog_core::entry::IcdInfo::default()),
            )
        })
        .collect()
}

/// The matcher over a diagnosis catalogue of (code, name) pairs.
#[allow(dead_code)]
pub fn diagnoses_of(rows: &[(&str, &str)]) -> (Matcher, tempfile::TempDir) {
    matcher_of(Category::Diagnosis, diagnosis_entries(rows))
}

/// The matcher over a procedure catalogue of (code, name) pairs.
#[allow(dead_code)]
pub fn procedures_of(rows: &[(&str, &str)]) -> (Matcher, tempfile::TempDir) {
    let entries = rows
        .iter()
        .map(|(c, n)| {
            Entry::new(
                *c,
                *n,
                catalog_core::Detail::Procedure(catalog_core::entry::IcdInfo::default()),
            )
        })
        .collect();
    matcher_of(Category::Procedure, entries)
}

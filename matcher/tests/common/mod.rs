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

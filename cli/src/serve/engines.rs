//! The matchers the server answers from: one per mappable category, over the
//! newest version of that category. Rebuilt only for categories whose newest
//! version changed; the others are shared with the previous snapshot.

use catalog_core::{Category, Store, VersionInfo};
use matcher::index::CatalogIndex;
use matcher::Matcher;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

#[derive(Default)]
pub struct Engines {
    pub by_category: BTreeMap<Category, Arc<Matcher>>,
    /// Categories whose index could not be opened or built, with the reason.
    pub failed: BTreeMap<Category, String>,
}

impl Engines {
    pub fn load(
        home: &Path,
        store: &Store,
        versions: &[VersionInfo],
        previous: Option<&Engines>,
    ) -> Engines {
        let mut out = Engines::default();
        let mut newest: BTreeMap<Category, &VersionInfo> = BTreeMap::new();
        for v in versions.iter().filter(|v| v.category.is_mappable()) {
            let slot = newest.entry(v.category).or_insert(v);
            if v.id > slot.id {
                *slot = v;
            }
        }
        for (cat, v) in newest {
            if let Some(m) = previous.and_then(|p| p.by_category.get(&cat)) {
                if m.version().id == v.id && m.version().checksum == v.checksum {
                    out.by_category.insert(cat, m.clone());
                    continue;
                }
            }
            match CatalogIndex::ensure(store, v, home, &|_, _| {}) {
                Ok((index, built)) => {
                    if built {
                        tracing::info!(kind = %cat, label = %v.label, rows = v.row_count, "index built");
                    }
                    out.by_category.insert(cat, Arc::new(Matcher::new(index)));
                }
                Err(e) => {
                    tracing::warn!(kind = %cat, label = %v.label, error = %e, "no matcher for this version");
                    out.failed.insert(cat, e.to_string());
                }
            }
        }
        out
    }

    pub fn get(&self, cat: Category) -> Option<&Arc<Matcher>> {
        self.by_category.get(&cat)
    }
}

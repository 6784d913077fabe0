//! What to type next, for errors the libraries report without naming a
//! command-line flag (issue #12: the same errors reach HTTP clients, where a
//! flag means nothing). Only the binary knows its flags, so the advice lives here.

use catalog_core::store::StoreError;
use catalog_diff::DiffError;
use importer::ImportError;

/// The advice for the first store error in `e`'s chain that has one.
pub fn for_error(e: &anyhow::Error) -> Option<&'static str> {
    e.chain().find_map(|cause| {
        if cause.downcast_ref::<matcher::index::NoIndex>().is_some() {
            return Some("先运行 `mulu index --kind 类别` 建立检索索引 (run `mulu index` first)");
        }
        let read = cause
            .downcast_ref::<importer::ReadError>()
            .or(match cause.downcast_ref::<ImportError>() {
                Some(ImportError::Read(r)) => Some(r),
                _ => None,
            });
        if let Some(importer::ReadError::UnknownKind { .. }) = read {
            return Some("用 --kind 指明目录类别 (name the kind with --kind)");
        }
        if let Some(importer::ReadError::Format { message, .. }) = read {
            if message.contains("13xx transaction") {
                return Some("用 --layout 1301|1302|… 指明交易版式 (name the 13xx layout with --layout)");
            }
        }
        if let Some(ImportError::Download { message, .. }) = cause.downcast_ref::<ImportError>() {
            if message.contains("timed out") {
                return Some("网络慢时可用 --timeout 放宽等待时间 (raise --timeout)");
            }
        }
        if let Some(ImportError::TooManyRejected(_)) = cause.downcast_ref::<ImportError>() {
            return Some(
                "修正拒收行后重新导入；如确需接受，用 --max-reject 提高允许的拒收比例 (fix the rejected rows, or raise --max-reject)",
            );
        }
        // Wrappers marked `transparent` hide the store error from the chain,
        // so they are opened by hand.
        let store = cause
            .downcast_ref::<StoreError>()
            .or_else(|| match cause.downcast_ref::<ImportError>() {
                Some(ImportError::Store(s)) => Some(s),
                _ => None,
            })
            .or_else(|| match cause.downcast_ref::<DiffError>() {
                Some(DiffError::Store(s)) => Some(s),
                _ => None,
            })?;
        store_hint(store)
    })
}

fn store_hint(e: &StoreError) -> Option<&'static str> {
    match e {
        StoreError::LabelExists { .. } => Some(
            "加 --replace 覆盖该版本，或用 --label 另取标签 (use --replace to overwrite it, or choose another --label)",
        ),
        // The store also reports a missing mapping id this way; listing versions would not help.
        StoreError::NoSuchVersion(what) if !what.starts_with("mapping ") => {
            Some("`mulu versions` 列出已导入的版本 (see `mulu versions`)")
        }
        StoreError::Ambiguous { .. } => Some("用 --kind 指明类别 (name one with --kind)"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalog_core::Category;

    fn store_errors() -> Vec<StoreError> {
        vec![
            StoreError::LabelExists {
                category: Category::Drug,
                label: "2026-01".into(),
            },
            StoreError::NoSuchVersion("2026-09".into()),
            StoreError::Ambiguous {
                label: "v1".into(),
                kinds: "drug, service".into(),
            },
        ]
    }

    #[test]
    fn the_library_message_names_no_flag_and_the_cli_adds_one() {
        for e in store_errors() {
            let msg = e.to_string();
            assert!(!msg.contains("--") && !msg.contains("mulu "), "{msg}");
            let hint = for_error(&anyhow::Error::new(e)).expect("a hint");
            assert!(
                hint.contains("--") || hint.contains("mulu versions"),
                "{hint}"
            );
        }
    }

    #[test]
    fn hints_are_found_through_wrappers_and_context() {
        let label = || StoreError::LabelExists {
            category: Category::Drug,
            label: "a".into(),
        };
        let wrapped = anyhow::Error::new(ImportError::Store(label())).context("importing x.csv");
        assert!(for_error(&wrapped).unwrap().contains("--replace"));
        let diff = anyhow::Error::new(DiffError::Store(StoreError::Ambiguous {
            label: "v1".into(),
            kinds: "drug, service".into(),
        }));
        assert!(for_error(&diff).unwrap().contains("--kind"));
        let plain = anyhow::Error::new(StoreError::NoSuchVersion("mapping 7".into()));
        assert_eq!(for_error(&plain), None);
        assert_eq!(for_error(&anyhow::anyhow!("something else")), None);
    }

    #[test]
    fn a_missing_index_is_reported_by_the_matcher_and_advised_by_the_cli() {
        let dir = tempfile::tempdir().unwrap();
        let e = match matcher::index::CatalogIndex::open(dir.path()) {
            Ok(_) => panic!("an empty directory opened as an index"),
            Err(e) => e,
        };
        let msg = format!("{e:#}");
        assert!(!msg.contains("mulu "), "{msg}");
        let e = e.context("matching his.csv");
        assert!(for_error(&e).unwrap().contains("mulu index"));
    }

    #[test]
    fn importer_messages_name_no_flag_and_the_cli_adds_it() {
        let e = importer::ReadError::UnknownKind {
            file: "x.csv".into(),
            found: vec!["甲".into()],
        };
        assert!(!e.to_string().contains("--"), "{e}");
        let e = anyhow::Error::new(ImportError::Read(e)).context("importing x.csv");
        assert!(for_error(&e).unwrap().contains("--kind"));
    }
}

//! The workflow's rules on small stores built in the test.

use crate::*;
use catalog_core::entry::Detail;
use catalog_core::store::{Decision, Mapping, MappingStatus};
use catalog_core::{Category, Entry, Store, VersionMeta};

const DRUG: &str = "XJ01CAA040E001010100600";
const DRUG2: &str = "XJ01FAA051A001010201187";
const CONS: &str = "C14010108200001003880";
const ICD: &str = "M76.x00";

/// Import `rows` (code, name) as version `label` of `kind` (shared with the FHIR tests).
pub(crate) fn version(store: &mut Store, kind: Category, label: &str, rows: &[(&str, &str)]) {
    let meta = VersionMeta {
        category: kind,
        label: label.into(),
        source: "test".into(),
        published: None,
        note: None,
    };
    let rows: Vec<Result<Entry, String>> = rows
        .iter()
        .map(|(c, n)| Ok(Entry::new(*c, *n, Detail::empty(kind))))
        .collect();
    store.import_version(&meta, false, rows).unwrap();
}

fn fill(store: &mut Store) {
    version(
        store,
        Category::Drug,
        "d1",
        &[(DRUG, "阿莫西林胶囊"), (DRUG2, "阿奇霉素片")],
    );
    version(
        store,
        Category::Consumable,
        "c1",
        &[(CONS, "一次性使用输液器")],
    );
    version(
        store,
        Category::Diagnosis,
        "icd1",
        &[(ICD, "下肢（不包括足）肌腱端病")],
    );
}

fn suggested(
    store: &mut Store,
    kind: Category,
    code: &str,
    name: &str,
    target: Option<&str>,
    tier: &str,
) -> Mapping {
    store
        .record_decision(&Decision {
            category: Some(kind),
            hospital_code: code.into(),
            hospital_name: name.into(),
            target_code: target.map(String::from),
            target_name: target.map(|_| "建议名".to_string()),
            tier: Some(tier.into()),
            ..Decision::default()
        })
        .unwrap()
}

fn store() -> Store {
    let mut s = Store::open_in_memory().unwrap();
    fill(&mut s);
    s
}

#[test]
fn replace_stores_the_catalogue_name_and_the_canonical_code() {
    let mut s = store();
    let m = suggested(
        &mut s,
        Category::Drug,
        "Y1",
        "阿奇霉素",
        Some(DRUG),
        "medium",
    );
    let r = Request::new(Action::Replace(" xj01faa051a001010201187 ".into()), "张三");
    let after = decide(&mut s, &m, &r).unwrap();
    assert_eq!(after.status, MappingStatus::Replaced);
    assert_eq!(after.target_code.as_deref(), Some(DRUG2));
    assert_eq!(after.target_name.as_deref(), Some("阿奇霉素片"));
    assert_eq!(after.reviewer.as_deref(), Some("张三"));

    // ICD keeps its lowercase x: the code is canonical for the item's kind.
    let d = suggested(&mut s, Category::Diagnosis, "ZD1", "肌腱端病", None, "none");
    let after = decide(
        &mut s,
        &d,
        &Request::new(Action::Replace("m76.X00".into()), "张三"),
    )
    .unwrap();
    assert_eq!(after.target_code.as_deref(), Some(ICD));
    assert_eq!(
        after.target_name.as_deref(),
        Some("下肢（不包括足）肌腱端病")
    );
}

#[test]
fn a_replacement_of_another_kind_or_not_listed_is_refused_with_the_code_and_kind() {
    let mut s = store();
    let m = suggested(&mut s, Category::Drug, "Y1", "阿莫西林", Some(DRUG), "high");
    let e = decide(
        &mut s,
        &m,
        &Request::new(Action::Replace(CONS.into()), "张三"),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(
            e,
            MappingError::NotInCatalogue {
                kind: Category::Drug,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        msg.contains(CONS) && msg.contains("西药中成药") && msg.contains("医用耗材"),
        "{msg}"
    );
    let e = decide(
        &mut s,
        &m,
        &Request::new(Action::Replace("XNOSUCHCODE".into()), "张三"),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("XNOSUCHCODE") && msg.contains("不是有效的西药中成药编码"),
        "{msg}"
    );
    assert!(msg.contains("not in any catalogue version"), "{msg}");
    // Nothing was written by the refusals.
    let now = s.mapping(m.id).unwrap().unwrap();
    assert_eq!(
        (now.status, now.revision),
        (MappingStatus::Suggested, m.revision)
    );
}

#[test]
fn approving_a_weak_suggestion_needs_confirmation() {
    let mut s = store();
    for tier in ["low", "none"] {
        let m = suggested(&mut s, Category::Drug, tier, "某药", Some(DRUG), tier);
        let e = decide(&mut s, &m, &Request::new(Action::Approve, "张三")).unwrap_err();
        assert!(matches!(e, MappingError::NeedsConfirmation { .. }), "{e:?}");
        assert!(e.to_string().contains("确认"), "{e}");
        let mut r = Request::new(Action::Approve, "张三");
        r.confirm = true;
        assert_eq!(
            decide(&mut s, &m, &r).unwrap().status,
            MappingStatus::Approved
        );
    }
    let m = suggested(&mut s, Category::Drug, "hi", "某药", Some(DRUG), "high");
    assert!(decide(&mut s, &m, &Request::new(Action::Approve, "张三")).is_ok());
    // No reviewer, no decision.
    let m = suggested(&mut s, Category::Drug, "anon", "某药", Some(DRUG), "high");
    let e = decide(&mut s, &m, &Request::new(Action::Reject, "  ")).unwrap_err();
    assert!(matches!(e, MappingError::NoReviewer), "{e:?}");
}

#[test]
fn a_decision_on_a_stale_revision_is_a_conflict_showing_the_other_decision() {
    let mut s = store();
    let seen = suggested(&mut s, Category::Drug, "Y1", "阿莫西林", Some(DRUG), "high");
    let mut li = Request::new(Action::Reject, "李四");
    li.expected_revision = Some(seen.revision);
    let after = decide(&mut s, &seen, &li).unwrap();
    assert_eq!(after.revision, seen.revision + 1);
    // 张三 decides on the view he loaded before 李四's decision.
    let mut zhang = Request::new(Action::Approve, "张三");
    zhang.expected_revision = Some(seen.revision);
    let fresh = s.mapping(seen.id).unwrap().unwrap();
    let e = decide(&mut s, &fresh, &zhang).unwrap_err();
    let MappingError::Conflict { current, expected } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (current.status, current.reviewer.as_deref(), *expected),
        (MappingStatus::Rejected, Some("李四"), seen.revision)
    );
    assert!(
        e.to_string().contains("李四") && e.to_string().contains("驳回"),
        "{e}"
    );
    // Deciding with a view read before the other write is refused by the store too.
    let e = decide(&mut s, &seen, &Request::new(Action::Flag, "张三")).unwrap_err();
    assert!(matches!(e, MappingError::Conflict { .. }), "{e:?}");
    let now = s.mapping(seen.id).unwrap().unwrap();
    assert_eq!(
        (now.status, now.reviewer.as_deref()),
        (MappingStatus::Rejected, Some("李四"))
    );
    let events = s.mapping_events(seen.id).unwrap();
    assert_eq!(events.last().unwrap().who.as_deref(), Some("李四"));
}

#[test]
fn two_reviewers_racing_on_one_item_one_wins_the_other_gets_the_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mulu.db");
    let mut s = Store::open(&path).unwrap();
    fill(&mut s);
    let seen = suggested(&mut s, Category::Drug, "Y1", "阿莫西林", Some(DRUG), "high");
    drop(s);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = [("张三", Action::Approve), ("李四", Action::Reject)]
        .into_iter()
        .map(|(who, action)| {
            let (path, seen, barrier) = (path.clone(), seen.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut s = Store::open(&path).unwrap();
                let mut r = Request::new(action, who);
                r.expected_revision = Some(seen.revision);
                barrier.wait();
                decide(&mut s, &seen, &r)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let wins: Vec<&Mapping> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(MappingError::Conflict { .. })))
        .count();
    assert_eq!((wins.len(), conflicts), (1, 1), "{results:?}");
    let s = Store::open(&path).unwrap();
    let now = s.mapping(seen.id).unwrap().unwrap();
    assert_eq!(now.reviewer, wins[0].reviewer);
    assert_eq!(now.revision, seen.revision + 1);
}

#[test]
fn a_batch_is_checked_then_written_in_one_transaction() {
    let mut s = store();
    let a = suggested(&mut s, Category::Drug, "A", "甲", Some(DRUG), "high");
    let b = suggested(&mut s, Category::Drug, "B", "乙", Some(DRUG), "high");
    let c = suggested(&mut s, Category::Drug, "C", "丙", Some(DRUG), "low");
    let item = |m: &Mapping, action: Action, row: u32| BatchItem {
        at: format!("审核.xlsx 第{row}行"),
        mapping: m.clone(),
        request: Request::new(action, "张三"),
    };
    let items = vec![
        item(&a, Action::Approve, 2),
        item(&b, Action::Replace(DRUG2.into()), 3),
        item(&c, Action::Approve, 4),
    ];
    let out = apply_batch(&mut s, &items, OnError::AllOrNothing).unwrap();
    assert!(!out.written);
    let errs: Vec<String> = out.errors(&items).collect();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("审核.xlsx 第4行: ") && errs[0].contains("确认"),
        "{errs:?}"
    );
    assert_eq!(
        s.mappings(None, Some(MappingStatus::Suggested))
            .unwrap()
            .len(),
        3,
        "nothing written"
    );

    let out = apply_batch(&mut s, &items, OnError::Partial).unwrap();
    assert!(out.written);
    assert_eq!(out.results.iter().filter(|r| r.is_ok()).count(), 2);
    let b_now = s.mapping(b.id).unwrap().unwrap();
    assert_eq!(
        (b_now.target_code.as_deref(), b_now.target_name.as_deref()),
        (Some(DRUG2), Some("阿奇霉素片"))
    );
    assert_eq!(
        s.mapping(c.id).unwrap().unwrap().status,
        MappingStatus::Suggested
    );
    // Re-applying the same (now stale) rows is a conflict per row, never an overwrite.
    let out = apply_batch(&mut s, &items[..2], OnError::Partial).unwrap();
    assert!(
        out.results
            .iter()
            .all(|r| matches!(r, Err(MappingError::Conflict { .. }))),
        "{:?}",
        out.results
    );
}

#[test]
fn suggestions_never_overwrite_a_reviewed_mapping() {
    let mut s = store();
    let sug = |code: &str, target: &str| Suggestion {
        kind: Category::Drug,
        hospital_code: code.into(),
        hospital_name: "阿莫西林".into(),
        target: Some((target.into(), "名".into())),
        score: Some(0.9),
        tier: matcher::Tier::High,
        version_label: Some("d1".into()),
        item: serde_json::json!({}),
    };
    assert_eq!(
        record_suggestions(&mut s, &[sug("Y1", DRUG), sug("Y2", DRUG)])
            .unwrap()
            .recorded,
        2
    );
    let m = s
        .find_mapping(Category::Drug, "Y1", "阿莫西林")
        .unwrap()
        .unwrap();
    decide(&mut s, &m, &Request::new(Action::Approve, "张三")).unwrap();
    let rep = record_suggestions(&mut s, &[sug("Y1", DRUG2), sug("Y2", DRUG2)]).unwrap();
    assert_eq!((rep.recorded, rep.kept), (1, 1));
    let y1 = s
        .find_mapping(Category::Drug, "Y1", "阿莫西林")
        .unwrap()
        .unwrap();
    assert_eq!(
        (y1.status, y1.target_code.as_deref()),
        (MappingStatus::Approved, Some(DRUG))
    );
    let y2 = s
        .find_mapping(Category::Drug, "Y2", "阿莫西林")
        .unwrap()
        .unwrap();
    assert_eq!(y2.target_code.as_deref(), Some(DRUG2));
}

#[test]
fn no_counterpart_clears_the_target_and_is_not_exported() {
    let mut s = store();
    let a = suggested(&mut s, Category::Drug, "A", "院内自制", Some(DRUG), "low");
    let after = decide(&mut s, &a, &Request::new(Action::NoCounterpart, "张三")).unwrap();
    assert_eq!(
        (after.status, after.target_code),
        (MappingStatus::NoCounterpart, None)
    );
    let b = suggested(&mut s, Category::Drug, "B", "阿奇霉素", None, "none");
    decide(
        &mut s,
        &b,
        &Request::new(Action::Replace(DRUG2.into()), "张三"),
    )
    .unwrap();
    let e = build_3301(&s, &ExportOptions::default()).unwrap();
    assert_eq!(e.rows.len(), 1);
    assert_eq!(
        (
            e.rows[0].fixmedins_hilist_id.as_str(),
            e.rows[0].med_list_codg.as_str()
        ),
        ("B", DRUG2)
    );
}

#[test]
fn workbook_words_become_actions() {
    assert_eq!(
        Action::from_word("通过", None).unwrap(),
        Some(Action::Approve)
    );
    assert_eq!(
        Action::from_word("approve", Some(DRUG)).unwrap(),
        Some(Action::Replace(DRUG.into()))
    );
    assert_eq!(
        Action::from_word("无对应", None).unwrap(),
        Some(Action::NoCounterpart)
    );
    assert_eq!(Action::from_word("待审核", None).unwrap(), None);
    assert!(Action::from_word("替换", Some(" ")).is_err());
    assert!(Action::from_word("maybe", None)
        .unwrap_err()
        .contains("maybe"));
}

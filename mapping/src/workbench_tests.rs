//! Queue, bulk, undo, history and stats on small stores built in the test.

use crate::*;
use catalog_core::entry::Detail;
use catalog_core::store::{Decision, Mapping, MappingStatus};
use catalog_core::{Category, Entry, Store, VersionMeta};

const DRUG: &str = "XJ01CAA040E001010100600";
const DRUG2: &str = "XJ01FAA051A001010201187";

fn version(store: &mut Store, label: &str, rows: &[(&str, &str, bool)]) {
    let meta = VersionMeta {
        category: Category::Drug,
        label: label.into(),
        source: "test".into(),
        published: None,
        note: None,
    };
    let rows: Vec<Result<Entry, String>> = rows
        .iter()
        .map(|(c, n, active)| {
            let mut e = Entry::new(*c, *n, Detail::empty(Category::Drug));
            e.active = *active;
            Ok(e)
        })
        .collect();
    store.import_version(&meta, false, rows).unwrap();
}

fn suggest(
    s: &mut Store,
    code: &str,
    name: &str,
    tier: &str,
    score: f64,
    item: serde_json::Value,
) -> Mapping {
    s.record_decision(&Decision {
        category: Some(Category::Drug),
        hospital_code: code.into(),
        hospital_name: name.into(),
        target_code: Some(DRUG.into()),
        target_name: Some("阿莫西林胶囊".into()),
        tier: Some(tier.into()),
        score: Some(score),
        item: Some(item),
        ..Decision::default()
    })
    .unwrap()
}

/// 10 items: tiers cycle high, medium, low, none; scores 0.95 down by 0.05.
fn queue_store() -> Store {
    let mut s = Store::open_in_memory().unwrap();
    version(
        &mut s,
        "d1",
        &[(DRUG, "阿莫西林胶囊", true), (DRUG2, "阿奇霉素片", true)],
    );
    for i in 0..10 {
        let tier = ["high", "medium", "low", "none"][i % 4];
        suggest(
            &mut s,
            &format!("Y{i:03}"),
            &format!("阿莫西林{i}号"),
            tier,
            (95 - 5 * i as i64) as f64 / 100.0,
            serde_json::json!({ "extra": { "使用频次": format!("{}", (i + 1) * 10) } }),
        );
    }
    s
}

fn q(filter: MappingFilter) -> Query {
    Query {
        filter,
        per_page: 3,
        ..Query::default()
    }
}

#[test]
fn the_queue_filters_sorts_and_pages_with_a_total() {
    let s = queue_store();
    let high = queue(
        &s,
        &q(MappingFilter {
            tier: vec!["high".into()],
            ..Default::default()
        }),
    )
    .unwrap();
    assert_eq!(high.total, 3, "items 0, 4, 8 are high");
    assert!(high
        .mappings
        .iter()
        .all(|m| m.tier.as_deref() == Some("high")));

    // Score sort descending, page 2 of 3 per page: items 3, 4, 5.
    let mut by_score = q(MappingFilter::default());
    by_score.sort = SortKey::Score;
    by_score.desc = true;
    by_score.page = 2;
    let p = queue(&s, &by_score).unwrap();
    assert_eq!(p.total, 10);
    let codes: Vec<_> = p
        .mappings
        .iter()
        .map(|m| m.hospital_code.as_str())
        .collect();
    assert_eq!(codes, ["Y003", "Y004", "Y005"]);

    let range = queue(
        &s,
        &q(MappingFilter {
            score_min: Some(0.6),
            score_max: Some(0.8),
            ..Default::default()
        }),
    )
    .unwrap();
    assert_eq!(range.total, 5, "0.80 … 0.60: items 3–7");

    let text = queue(
        &s,
        &q(MappingFilter {
            text: Some("林7".into()),
            ..Default::default()
        }),
    )
    .unwrap();
    assert_eq!(text.total, 1);
    assert_eq!(text.mappings[0].hospital_code, "Y007");
    // A typed % is literal, not a wildcard.
    let pct = queue(
        &s,
        &q(MappingFilter {
            text: Some("%".into()),
            ..Default::default()
        }),
    )
    .unwrap();
    assert_eq!(pct.total, 0);

    let bad = queue(
        &s,
        &q(MappingFilter {
            score_min: Some(0.9),
            score_max: Some(0.1),
            ..Default::default()
        }),
    );
    assert!(matches!(bad, Err(MappingError::BadFilter(_))));
}

#[test]
fn bulk_approve_reports_weak_rows_and_undoes_as_one_batch() {
    let mut s = queue_store();
    let before = s.mapping(2).unwrap().unwrap();
    let req = BulkRequest {
        filter: MappingFilter {
            status: vec![MappingStatus::Suggested],
            ..Default::default()
        },
        action: Action::Approve,
        reviewer: "王医保".into(),
        note: None,
        confirm: false,
        expected_total: Some(10),
    };
    let rep = bulk_decide(&mut s, &req).unwrap();
    assert_eq!(rep.matched, 10);
    assert_eq!(rep.changed, 6, "high and medium: items 0,1,4,5,8,9 {rep:?}");
    assert_eq!(rep.skipped.len(), 4, "low and none need a confirmation");
    assert!(rep.skipped.iter().all(|x| x.code == "needs_confirmation"));
    let approved = s.mappings(None, Some(MappingStatus::Approved)).unwrap();
    assert!(approved
        .iter()
        .all(|m| m.reviewer.as_deref() == Some("王医保")));

    // A stale count writes nothing.
    let stale = bulk_decide(
        &mut s,
        &BulkRequest {
            expected_total: Some(10),
            ..req.clone()
        },
    );
    assert!(matches!(
        stale,
        Err(MappingError::CountChanged {
            expected: 10,
            found: 4
        })
    ));

    // One reviewer re-decides one item after the batch: undoing the batch keeps it.
    let one = s.mapping(1).unwrap().unwrap();
    decide(&mut s, &one, &Request::new(Action::Flag, "李四")).unwrap();
    // Another reviewer may not undo 王医保's batch; nothing changes.
    assert!(matches!(
        undo_batch(&mut s, &rep.batch, "李四", UndoRight::Own),
        Err(MappingError::NotYours { ref decided_by, .. }) if decided_by == "王医保"
    ));
    assert_eq!(
        s.mapping(5).unwrap().unwrap().status,
        MappingStatus::Approved
    );
    let u = undo_batch(&mut s, &rep.batch, "王医保", UndoRight::Own).unwrap();
    assert_eq!(u.restored, 5);
    assert_eq!(u.changed_since.len(), 1);
    assert_eq!(
        s.mapping(1).unwrap().unwrap().status,
        MappingStatus::Flagged
    );
    let back = s.mapping(5).unwrap().unwrap();
    assert_eq!(back.status, MappingStatus::Suggested);
    assert_eq!(back.reviewer, None);
    assert_eq!(s.mapping(2).unwrap().unwrap().status, before.status);
}

#[test]
fn undo_restores_the_prior_state_and_history_says_who() {
    let mut s = queue_store();
    let m = s.mapping(1).unwrap().unwrap();
    let a = decide(&mut s, &m, &Request::new(Action::Approve, "张三")).unwrap();
    let r = decide(
        &mut s,
        &a,
        &Request::new(Action::Replace(DRUG2.into()), "李四"),
    )
    .unwrap();
    assert_eq!(r.target_code.as_deref(), Some(DRUG2));

    // A stale view cannot undo.
    assert!(matches!(
        undo(&mut s, 1, "李四", UndoRight::Own, Some(a.revision)),
        Err(MappingError::Conflict { .. })
    ));
    // 张三 may not undo 李四's replacement: refused, nothing written.
    let e = undo(&mut s, 1, "张三", UndoRight::Own, Some(r.revision)).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(e.to_string().contains("李四"), "{e}");
    assert_eq!(s.mapping(1).unwrap().unwrap(), r);
    // An admin may.
    let u1 = undo(&mut s, 1, "李主任", UndoRight::Anyone, Some(r.revision)).unwrap();
    assert_eq!(u1.status, MappingStatus::Approved);
    assert_eq!(u1.target_code.as_deref(), Some(DRUG));
    assert_eq!(u1.reviewer.as_deref(), Some("张三"));
    // 张三 undoes their own approval.
    let u2 = undo(&mut s, 1, "张三", UndoRight::Own, None).unwrap();
    assert_eq!(u2.status, MappingStatus::Suggested);
    assert_eq!(u2.reviewer, None);
    assert!(matches!(
        undo(&mut s, 1, "张三", UndoRight::Own, None),
        Err(MappingError::NothingToUndo { .. })
    ));

    let h = history(&s, 1).unwrap();
    let actions: Vec<_> = h
        .iter()
        .map(|e| (e.action.as_str(), e.who.as_deref(), e.undone))
        .collect();
    assert_eq!(
        actions,
        [
            ("suggested", None, false),
            ("approved", Some("张三"), true),
            ("replaced", Some("李四"), true),
            ("undo", Some("李主任"), false),
            ("undo", Some("张三"), false),
        ]
    );
    // The admin's undo says whose decision it undid.
    assert!(
        h[3].note.as_deref().unwrap_or("").contains("李四"),
        "{:?}",
        h[3].note
    );
}

#[test]
fn a_removed_or_deactivated_target_is_found_by_the_target_changed_filter() {
    let mut s = queue_store();
    // The newer version deactivates DRUG: every mapping targets it.
    version(
        &mut s,
        "d2",
        &[(DRUG, "阿莫西林胶囊", false), (DRUG2, "阿奇霉素片", true)],
    );
    let f = MappingFilter {
        target_changed: true,
        ..Default::default()
    };
    assert_eq!(queue(&s, &q(f.clone())).unwrap().total, 10);
    let m = s.mapping(3).unwrap().unwrap();
    decide(
        &mut s,
        &m,
        &Request::new(Action::Replace(DRUG2.into()), "张三"),
    )
    .unwrap();
    assert_eq!(
        queue(&s, &q(f)).unwrap().total,
        9,
        "the re-mapped item left the list"
    );
}

#[test]
fn stats_count_by_kind_tier_status_and_weight_by_usage() {
    let mut s = queue_store();
    let m = s.mapping(10).unwrap().unwrap(); // weight 100, tier medium
    decide(&mut s, &m, &Request::new(Action::Approve, "张三")).unwrap();
    let st = stats(&s).unwrap();
    assert_eq!((st.total, st.reviewed, st.confirmed), (10, 1, 1));
    let w = st.weighted.unwrap();
    assert_eq!(w.column, "使用频次");
    assert_eq!(w.total, 550.0);
    assert_eq!(w.confirmed, 100.0);
    let cell = st
        .cells
        .iter()
        .find(|c| c.tier == "medium" && c.status == MappingStatus::Approved)
        .unwrap();
    assert_eq!((cell.count, cell.weight), (1, 100.0));
    assert_eq!(st.cells.iter().map(|c| c.count).sum::<u64>(), 10);
}

#[test]
fn a_target_dropped_by_a_newer_version_holds_the_mapping_back_until_re_decided() {
    let mut s = queue_store();
    for id in [1, 2] {
        let m = s.mapping(id).unwrap().unwrap();
        decide(&mut s, &m, &Request::new(Action::Approve, "张三")).unwrap();
    }
    assert_eq!(
        build_3301(&s, &ExportOptions::default())
            .unwrap()
            .rows
            .len(),
        2
    );
    // The newer version deactivates DRUG, the target of every mapping.
    version(
        &mut s,
        "d2",
        &[(DRUG, "阿莫西林胶囊", false), (DRUG2, "阿奇霉素片", true)],
    );
    let held = needs_rereview(&s, None).unwrap();
    assert_eq!(held.len(), 10, "every mapping names DRUG");
    assert_eq!(held[&1].code, "deactivated");
    assert!(held[&1].reason.contains("已停用"), "{:?}", held[&1]);
    let x = build_3301(&s, &ExportOptions::default()).unwrap();
    assert_eq!((x.rows.len(), x.held_back.len()), (0, 2), "{x:?}");
    assert_eq!(stats(&s).unwrap().needs_rereview, 10);

    // Re-approved after d2 arrived: sent again. Replaced: sent with the new code.
    let one = s.mapping(1).unwrap().unwrap();
    decide(&mut s, &one, &Request::new(Action::Approve, "李四")).unwrap();
    let two = s.mapping(2).unwrap().unwrap();
    decide(
        &mut s,
        &two,
        &Request::new(Action::Replace(DRUG2.into()), "李四"),
    )
    .unwrap();
    let x = build_3301(&s, &ExportOptions::default()).unwrap();
    let codes: Vec<_> = x.rows.iter().map(|r| r.med_list_codg.as_str()).collect();
    assert_eq!(codes, [DRUG, DRUG2]);
    assert!(x.held_back.is_empty());
    assert_eq!(needs_rereview(&s, None).unwrap().len(), 8);
}

#[test]
fn a_target_missing_from_the_newer_version_is_reported_as_removed() {
    let mut s = queue_store();
    version(&mut s, "d2", &[(DRUG2, "阿奇霉素片", true)]);
    let held = needs_rereview(&s, Some(Category::Drug)).unwrap();
    assert_eq!(held[&3].code, "removed");
    assert!(held[&3].reason.contains("d2"), "{:?}", held[&3]);
    // Rejected mappings send nothing: not listed.
    let m = s.mapping(3).unwrap().unwrap();
    decide(&mut s, &m, &Request::new(Action::Reject, "张三")).unwrap();
    assert!(!needs_rereview(&s, None).unwrap().contains_key(&3));
}

#[test]
fn region_overrides_pick_list_type_by_prefix_then_kind_then_table() {
    let mut o = ListTypeOverrides::default();
    assert_eq!(
        o.list_type(ListTypeTable::National, Category::Drug, "ZA01")
            .as_deref(),
        Some("101")
    );
    o.by_prefix.insert("Z".into(), "102".into());
    o.by_prefix.insert("ZA".into(), "105".into());
    o.by_kind.insert(Category::Herbal, "103".into());
    let lt = |k, c| o.list_type(ListTypeTable::National, k, c);
    assert_eq!(
        lt(Category::Drug, "ZA01").as_deref(),
        Some("105"),
        "longest prefix"
    );
    assert_eq!(lt(Category::Drug, "ZB01").as_deref(), Some("102"));
    assert_eq!(lt(Category::Drug, "XJ01").as_deref(), Some("101"), "table");
    assert_eq!(lt(Category::Herbal, "T001").as_deref(), Some("103"), "kind");
    assert_eq!(lt(Category::Diagnosis, "A00.0"), None);
}

#[test]
fn reset_goes_back_to_undecided_in_the_history_and_is_refused_when_undecided() {
    let mut s = queue_store();
    let m = s.mapping(1).unwrap().unwrap();
    let a = decide(&mut s, &m, &Request::new(Action::Approve, "张三")).unwrap();
    assert!(earlier_decision(&a, "张三").is_none(), "own decision");
    let warn = earlier_decision(&a, "李四").expect("another reviewer's decision");
    assert!(warn.contains("张三") && warn.contains("通过"), "{warn}");
    assert!(matches!(
        reset(&mut s, &a, "李四", None, Some(a.revision - 1)),
        Err(MappingError::Conflict { .. })
    ));
    let r = reset(&mut s, &a, "李四", Some("重新核对".into()), None).unwrap();
    assert_eq!(r.status, MappingStatus::Suggested);
    assert_eq!(r.target_code.as_deref(), Some(DRUG), "the suggestion stays");
    assert!(r.revision > a.revision);
    let last = history(&s, 1).unwrap().pop().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.who.as_deref(),
            last.note.as_deref()
        ),
        ("suggested", Some("李四"), Some("重新核对"))
    );
    assert!(matches!(
        reset(&mut s, &r, "李四", None, None),
        Err(MappingError::AlreadyUndecided { .. })
    ));
    // Undo of the reset brings the approval back.
    assert_eq!(
        undo(&mut s, 1, "李四", UndoRight::Own, None)
            .unwrap()
            .status,
        MappingStatus::Approved
    );
}

#[test]
fn a_bulk_dry_run_counts_and_reports_but_writes_nothing() {
    let mut s = queue_store();
    let req = BulkRequest {
        filter: MappingFilter {
            tier: vec!["high".into(), "low".into()],
            ..Default::default()
        },
        action: Action::Approve,
        reviewer: "王医保".into(),
        note: None,
        confirm: false,
        expected_total: None,
    };
    let dry = bulk_dry_run(&s, &req).unwrap();
    assert_eq!((dry.matched, dry.changed, dry.skipped.len()), (5, 3, 2));
    assert!(s
        .mappings(None, Some(MappingStatus::Approved))
        .unwrap()
        .is_empty());
    let real = bulk_decide(&mut s, &req).unwrap();
    assert_eq!((real.changed, real.skipped.len()), (3, 2));
}

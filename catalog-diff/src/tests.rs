use super::*;
use catalog_core::entry::{Detail, FieldValue};
use catalog_core::store::{Decision, MappingStatus, Store, VersionMeta};
use rust_decimal::Decimal;
use std::str::FromStr;

fn drug(code: &str, name: &str, spec: &str, mfr: &str, approval: &str) -> Entry {
    let mut e = Entry::new(code, name, Detail::empty(Category::Drug));
    for (k, v) in [
        ("spec", spec),
        ("manufacturer", mfr),
        ("approval_no", approval),
    ] {
        e.detail.set(k, FieldValue::Text(v.into()));
    }
    e
}

fn set(e: &mut Entry, k: &str, v: &str) {
    e.detail.set(k, FieldValue::Text(v.into()));
}

fn money(e: &mut Entry, k: &str, v: &str) {
    e.detail
        .set(k, FieldValue::Money(Decimal::from_str(v).unwrap()));
}

const A: &str = "XJ01CAA040A001010100001";
const B: &str = "XJ01CAA040A001010100002";
const C: &str = "XJ01CAA040A001010100003";
const D: &str = "XJ01CAA040A001010100004";
const E: &str = "XJ01CAA040A001010100005";
const F: &str = "XJ01CAA040A001010100006";
const NEW1: &str = "XJ01CAA040A001010100101";
const NEW2: &str = "XM01AEB001A001010100102";

/// v1/v2 with one row of every class plus noise-only rows.
fn versions() -> (Vec<Entry>, Vec<Entry>) {
    let a = drug(
        A,
        "阿莫西林胶囊",
        "0.25g*24粒",
        "石药集团",
        "国药准字H13000001",
    );
    let b = drug(
        B,
        "头孢氨苄胶囊",
        "0.125g*24粒",
        "华北制药",
        "国药准字H13000002",
    );
    let mut c = drug(C, "阿奇霉素片", "0.25g*6片", "辉瑞", "国药准字J20000003");
    set(&mut c, "restriction", "限儿童及吞咽困难患者");
    set(&mut c, "list_class", "乙类");
    let d = drug(D, "罗红霉素片", "150mg*12片", "扬子江", "国药准字H32000004");
    let mut e = drug(E, "克拉霉素片", "0.25g*6片", "恒瑞", "国药准字H32000005");
    set(&mut e, "pack_qty", "6");
    let f = drug(F, "甲硝唑片", "0.2g*100片", "信谊", "国药准字H31000006");
    let old = vec![
        a.clone(),
        b.clone(),
        c.clone(),
        d.clone(),
        e.clone(),
        f.clone(),
    ];

    // B deactivated; C changed (spec, 甲乙类, restriction); D removed;
    // E only noise (full-width + spaces); F re-coded to NEW1; NEW2 added.
    let mut b2 = b;
    b2.active = false;
    let mut c2 = c;
    set(&mut c2, "spec", "0.5g*6片");
    set(&mut c2, "list_class", "甲类");
    set(&mut c2, "restriction", "限儿童及吞咽困难的患者使用");
    let mut e2 = e;
    e2.name = "克拉霉素片 ".into();
    set(&mut e2, "spec", "０.２５ｇ * 6片");
    let mut f2 = f.clone();
    f2.code = NEW1.into();
    let new2 = drug(
        NEW2,
        "布洛芬缓释胶囊",
        "0.3g*20粒",
        "中美史克",
        "国药准字H10900089",
    );
    let new = vec![a, b2, c2, e2, f2, new2];
    (old, new)
}

#[test]
fn every_class_is_detected_and_noise_is_not() {
    let (old, new) = versions();
    let d = diff_versions(&old, &new, &DiffOptions::default()).unwrap();
    let got: Vec<(ChangeClass, &str)> = d
        .changes
        .iter()
        .map(|c| (c.class, c.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (ChangeClass::Added, NEW2),
            (ChangeClass::Deactivated, B),
            (ChangeClass::Removed, D),
            (ChangeClass::Changed, C),
            (ChangeClass::Recoded, NEW1),
        ]
    );
    let s = &d.summary.total;
    assert_eq!(
        (s.old_rows, s.new_rows, s.unchanged, s.noise_only),
        (6, 6, 2, 1)
    );
    assert_eq!(s.classes.total(), 5);
    assert_eq!(s.fields.get("spec"), Some(&1));
    assert_eq!(d.summary.categories[&Category::Drug].classes.changed, 1);

    let c = d.changes.iter().find(|c| c.code == C).unwrap();
    let keys: Vec<&str> = c.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(keys, vec!["spec", "list_class", "restriction"]);
    assert_eq!(
        (c.fields[0].old.as_str(), c.fields[0].new.as_str()),
        ("0.25g*6片", "0.5g*6片")
    );
    // Long text gets a segment diff; short text does not.
    assert!(c.fields[0].segments.is_none());
    let segs = c.fields[2].segments.as_ref().unwrap();
    let ins: Vec<&str> = segs
        .iter()
        .filter(|s| s.op == SegmentOp::Insert)
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(ins, vec!["的", "使用"]);
    assert!(segs.iter().all(|s| s.op != SegmentOp::Delete));

    let b = d.changes.iter().find(|c| c.code == B).unwrap();
    assert_eq!(
        b.fields
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>(),
        vec!["active"]
    );
}

#[test]
fn money_scale_is_not_a_change_but_money_is() {
    let mut a = Entry::new("X1", "谈判药", Detail::empty(Category::Negotiated));
    money(&mut a, "payment_standard", "12.50");
    let mut b = a.clone();
    money(&mut b, "payment_standard", "12.5");
    let d = diff_versions(
        std::slice::from_ref(&a),
        std::slice::from_ref(&b),
        &DiffOptions::default(),
    )
    .unwrap();
    assert!(d.is_empty(), "{:?}", d.changes);
    assert_eq!(d.summary.total.noise_only, 1);
    money(&mut b, "payment_standard", "12.51");
    let d = diff_versions(&[a], &[b], &DiffOptions::default()).unwrap();
    assert_eq!(d.changes.len(), 1);
    let f = &d.changes[0].fields[0];
    assert_eq!(
        (f.field.as_str(), f.old.as_str(), f.new.as_str()),
        ("payment_standard", "12.50", "12.51")
    );
}

#[test]
fn strict_options_report_whitespace_and_width() {
    let (old, new) = versions();
    let opts = DiffOptions {
        ignore_whitespace: false,
        ignore_width: false,
        ..DiffOptions::default()
    };
    let d = diff_versions(&old, &new, &opts).unwrap();
    let e = d
        .changes
        .iter()
        .find(|c| c.code == E)
        .expect("noise reported when asked");
    assert_eq!(
        e.fields
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>(),
        vec!["name", "spec"]
    );
    // Width only: the spaces still differ.
    let opts = DiffOptions {
        ignore_whitespace: false,
        ..DiffOptions::default()
    };
    let d = diff_versions(&old, &new, &opts).unwrap();
    assert!(d.changes.iter().any(|c| c.code == E));
}

#[test]
fn ignore_field_by_key_label_or_extra_header() {
    let (old, new) = versions();
    let opts = DiffOptions {
        ignore_fields: vec!["spec".into(), "甲乙类".into()],
        ..DiffOptions::default()
    };
    let d = diff_versions(&old, &new, &opts).unwrap();
    let c = d.changes.iter().find(|c| c.code == C).unwrap();
    assert_eq!(
        c.fields
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>(),
        vec!["restriction"]
    );
    let opts = DiffOptions {
        ignore_fields: vec!["spec".into(), "list_class".into(), "限制使用范围".into()],
        ..DiffOptions::default()
    };
    let d = diff_versions(&old, &new, &opts).unwrap();
    assert!(
        d.changes.iter().all(|c| c.code != C),
        "C changed only in ignored fields"
    );

    let mut x = drug(A, "阿莫西林胶囊", "0.25g", "石药", "H1");
    x.extra.insert("批次".into(), "1".into());
    x.extra.insert("单价".into(), "3.50".into());
    let mut y = x.clone();
    y.extra.insert("批次".into(), "2".into());
    y.extra.insert("单价".into(), "3.5".into());
    let d = diff_versions(
        std::slice::from_ref(&x),
        std::slice::from_ref(&y),
        &DiffOptions::default(),
    )
    .unwrap();
    assert_eq!(
        d.changes[0]
            .fields
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>(),
        vec!["extra.批次"]
    );
    let opts = DiffOptions {
        ignore_fields: vec!["批次".into()],
        ..DiffOptions::default()
    };
    assert!(diff_versions(&[x], &[y], &opts).unwrap().is_empty());
}

#[test]
fn recode_found_with_evidence_and_not_confused_with_lookalikes() {
    let (old, new) = versions();
    let d = diff_versions(&old, &new, &DiffOptions::default()).unwrap();
    let r = d.of_class(ChangeClass::Recoded).next().unwrap();
    assert_eq!((r.code.as_str(), r.old_code.as_deref()), (NEW1, Some(F)));
    let ev = r.recode.as_ref().unwrap();
    assert_eq!(ev.strong_key.as_deref(), Some("approval_no"));
    assert!(ev.score >= 0.99, "{ev:?}");
    assert!(!ev.old_still_listed);
    assert!(ev
        .evidence
        .iter()
        .any(|e| e.field == "manufacturer" && e.similarity == 1.0));

    // Same approval number but another spec, and same name/spec from another
    // maker: neither is the retired product.
    let f = drug(F, "甲硝唑片", "0.2g*100片", "信谊", "国药准字H31000006");
    let other_spec = drug(NEW1, "甲硝唑片", "0.4g*100片", "信谊", "国药准字H31000006");
    let other_maker = drug(
        NEW2,
        "甲硝唑片",
        "0.2g*100片",
        "华中药业",
        "国药准字H42000007",
    );
    let d = diff_versions(
        std::slice::from_ref(&f),
        &[other_spec.clone(), other_maker.clone()],
        &DiffOptions::default(),
    )
    .unwrap();
    assert_eq!(d.summary.total.classes.recoded, 0, "{:?}", d.changes);
    assert_eq!(d.summary.total.classes.added, 2);
    assert_eq!(d.summary.total.classes.removed, 1);

    // With the true successor present it wins over both look-alikes.
    let mut succ = f.clone();
    succ.code = "XJ01CAA040A001010100999".into();
    let d = diff_versions(
        std::slice::from_ref(&f),
        &[other_spec, other_maker, succ],
        &DiffOptions::default(),
    )
    .unwrap();
    let r: Vec<&Change> = d.of_class(ChangeClass::Recoded).collect();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].code, "XJ01CAA040A001010100999");
    assert!(r[0].fields.is_empty());
}

#[test]
fn recode_from_a_deactivated_code_by_similarity() {
    // No strong key: a service item retired (停用) and listed again under a new code.
    let mut s1 = Entry::new(
        "001201000010000",
        "普通门诊诊查费",
        Detail::empty(Category::Service),
    );
    set(&mut s1, "unit", "次");
    let mut s1b = s1.clone();
    s1b.active = false;
    let mut s2 = s1.clone();
    s2.code = "001201000010001".into();
    s2.name = "普通门诊诊察费".into(); // a 规范名称 fix
    let d = diff_versions(
        std::slice::from_ref(&s1),
        &[s1b.clone(), s2.clone()],
        &DiffOptions {
            recode_from_deactivated: true,
            ..DiffOptions::default()
        },
    )
    .unwrap();
    let r: Vec<&Change> = d.of_class(ChangeClass::Recoded).collect();
    assert_eq!(r.len(), 1, "{:?}", d.changes);
    assert!(r[0].recode.as_ref().unwrap().old_still_listed);
    assert_eq!(d.summary.total.classes.deactivated, 0);
    assert_eq!(
        r[0].fields
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>(),
        vec!["name"]
    );
    // By default only removed codes are re-code sources (as the corpus and the brief define it).
    let d = diff_versions(&[s1], &[s1b, s2], &DiffOptions::default()).unwrap();
    assert_eq!(
        (
            d.summary.total.classes.deactivated,
            d.summary.total.classes.added
        ),
        (1, 1)
    );
}

#[test]
fn duplicate_codes_are_an_error_not_a_miscount() {
    let a = drug(A, "x", "", "", "");
    let err = diff_versions(&[a.clone(), a.clone()], &[a], &DiffOptions::default()).unwrap_err();
    assert!(err.to_string().contains(A), "{err}");
    let raw = vec![(A.to_string(), "{not json".to_string())];
    let ok = vec![(
        A.to_string(),
        serde_json::to_string(&drug(A, "x", "", "", "")).unwrap(),
    )];
    let err = diff_raw(&raw, &ok, &DiffOptions::default()).unwrap_err();
    assert!(matches!(err, DiffError::Parse { side: "old", .. }), "{err}");
}

#[test]
fn stored_versions_stream_to_the_same_result() {
    let (old, new) = versions();
    let mut store = Store::open_in_memory().unwrap();
    let meta = |label: &str| VersionMeta {
        category: Category::Drug,
        label: label.into(),
        source: "test".into(),
        published: None,
        note: None,
    };
    let v1 = store
        .import_version(&meta("v1"), false, old.iter().cloned().map(Ok::<_, String>))
        .unwrap();
    let v2 = store
        .import_version(&meta("v2"), false, new.iter().cloned().map(Ok::<_, String>))
        .unwrap();
    let stored = diff_stored(&store, &v1, &v2, &DiffOptions::default()).unwrap();
    let mem = diff_versions(&old, &new, &DiffOptions::default()).unwrap();
    assert_eq!(stored.changes, mem.changes);
    assert_eq!(stored.summary, mem.summary);
    assert_eq!(stored.old.label.as_deref(), Some("v1"));
    let raw = diff_raw(
        &store.raw_entries(v1.id).unwrap(),
        &store.raw_entries(v2.id).unwrap(),
        &DiffOptions::default(),
    )
    .unwrap();
    assert_eq!(raw.changes, mem.changes);
}

#[test]
fn file_store_reader_threads_give_the_same_result() {
    let (old, new) = versions();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    let meta = |label: &str| VersionMeta {
        category: Category::Drug,
        label: label.into(),
        source: "test".into(),
        published: None,
        note: None,
    };
    // More rows than one reader batch, so batches hand over mid-stream.
    let pad = |v: &mut Vec<Entry>| {
        for i in 0..5000 {
            v.push(drug(&format!("XZ{i:08}"), "填充", "1g", "厂", ""));
        }
    };
    let (mut o, mut n) = (old.clone(), new.clone());
    pad(&mut o);
    pad(&mut n);
    n.retain(|e| e.code != "XZ00004999");
    let v1 = store
        .import_version(&meta("v1"), false, o.iter().cloned().map(Ok::<_, String>))
        .unwrap();
    let v2 = store
        .import_version(&meta("v2"), false, n.iter().cloned().map(Ok::<_, String>))
        .unwrap();
    let stored = diff_stored(&store, &v1, &v2, &DiffOptions::default()).unwrap();
    let mem = diff_versions(&o, &n, &DiffOptions::default()).unwrap();
    assert_eq!(stored.changes, mem.changes);
    assert_eq!(stored.summary, mem.summary);
    assert_eq!(stored.summary.total.unchanged, 2 + 4999);
    assert!(stored
        .changes
        .iter()
        .any(|c| c.class == ChangeClass::Removed && c.code == "XZ00004999"));
}

#[test]
fn impact_flags_exactly_the_affected_confirmed_mappings() {
    let (old, new) = versions();
    let mut store = Store::open_in_memory().unwrap();
    let mut decide = |hc: &str, target: &str, status: MappingStatus| {
        store
            .record_decision(&Decision {
                category: Some(Category::Drug),
                hospital_code: hc.into(),
                hospital_name: format!("院内{hc}"),
                status: Some(status),
                target_code: Some(target.into()),
                ..Decision::default()
            })
            .unwrap();
    };
    decide("H-A", A, MappingStatus::Approved); // unchanged
    decide("H-B", B, MappingStatus::Approved); // deactivated
    decide("H-C", C, MappingStatus::Replaced); // changed in spec etc.
    decide("H-D", D, MappingStatus::Approved); // removed
    decide("H-E", E, MappingStatus::Approved); // noise only
    decide("H-F", F, MappingStatus::Approved); // re-coded
    decide("H-D2", D, MappingStatus::Suggested); // not confirmed
    decide("H-D3", D, MappingStatus::Rejected); // not confirmed
    let maps = confirmed_mappings(&store).unwrap();
    assert_eq!(maps.len(), 6);
    let d = diff_versions(&old, &new, &DiffOptions::default()).unwrap();
    let hits = impact(&d, &maps);
    let got: Vec<(&str, ImpactReason)> = hits
        .iter()
        .map(|h| (h.mapping.hospital_code.as_str(), h.reason))
        .collect();
    assert_eq!(
        got,
        vec![
            ("H-B", ImpactReason::Deactivated),
            ("H-C", ImpactReason::Changed),
            ("H-D", ImpactReason::Removed),
            ("H-F", ImpactReason::Recoded),
        ]
    );
    let f = hits
        .iter()
        .find(|h| h.reason == ImpactReason::Recoded)
        .unwrap();
    assert_eq!(f.suggested_code.as_deref(), Some(NEW1));
    let c = hits
        .iter()
        .find(|h| h.reason == ImpactReason::Changed)
        .unwrap();
    assert!(c.fields.iter().any(|f| f.field == "spec") && c.action.contains("规格"));

    // With the new version's listing: a mapping to a code in neither version
    // is reported as not listed; one of another category is left alone.
    let mut more = maps.clone();
    let stale = MappingRef {
        hospital_code: "H-Z".into(),
        target_code: "XJ01CAA040A001010100999".into(),
        category: Some(Category::Drug),
        ..MappingRef::default()
    };
    let other = MappingRef {
        hospital_code: "H-CON".into(),
        target_code: "C02010800412001000000111271".into(),
        ..MappingRef::default()
    };
    more.push(stale);
    more.push(other);
    let listed: std::collections::HashSet<&str> = new.iter().map(|e| e.code.as_str()).collect();
    let hits = impact_with_listing(&d, &more, Category::Drug, &|c| listed.contains(c));
    let got: Vec<(&str, ImpactReason)> = hits
        .iter()
        .map(|h| (h.mapping.hospital_code.as_str(), h.reason))
        .collect();
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(got[4], ("H-Z", ImpactReason::NotListed));

    // A change only in a field that does not matter leaves the mapping alone.
    let opts = DiffOptions::default();
    let mut a2 = old[0].clone();
    set(&mut a2, "pack_material", "铝塑");
    let d = diff_versions(&old[..1], &[a2], &opts).unwrap();
    assert_eq!(d.changes.len(), 1);
    assert!(impact(&d, &maps).is_empty());
}

#[test]
fn json_schema_key_names_are_stable() {
    let (old, new) = versions();
    let d = diff_versions(&old, &new, &DiffOptions::default()).unwrap();
    let v = serde_json::to_value(&d).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(v["schema"], SCHEMA);
    assert_eq!(
        keys(&v),
        ["changes", "new", "old", "options", "schema", "summary"]
    );
    assert_eq!(
        keys(&v["old"]),
        ["category", "label", "rows", "source", "version_id"]
    );
    assert_eq!(
        keys(&v["summary"]),
        [
            "categories",
            "classes",
            "fields",
            "new_rows",
            "noise_only",
            "old_rows",
            "unchanged"
        ]
    );
    assert_eq!(
        keys(&v["summary"]["classes"]),
        ["added", "changed", "deactivated", "recoded", "removed"]
    );
    assert!(v["summary"]["categories"]["drug"].is_object());
    let ch = &v["changes"][3];
    assert_eq!(ch["class"], "changed");
    assert_eq!(
        keys(ch),
        ["category", "class", "code", "fields", "name", "new", "old", "old_code", "recode"]
    );
    assert_eq!(
        keys(&ch["fields"][0]),
        ["field", "kind", "label", "new", "old", "segments"]
    );
    assert_eq!(keys(&ch["fields"][2]["segments"][0]), ["op", "text"]);
    let rc = &v["changes"][4];
    assert_eq!(
        keys(&rc["recode"]),
        [
            "alternatives",
            "evidence",
            "old_still_listed",
            "score",
            "strong_key"
        ]
    );
    assert_eq!(
        keys(&rc["recode"]["evidence"][0]),
        ["field", "label", "new", "old", "similarity"]
    );
    assert_eq!(
        keys(&serde_json::to_value(DiffOptions::default()).unwrap()),
        [
            "detect_recodes",
            "ignore_fields",
            "ignore_whitespace",
            "ignore_width",
            "keep_rows",
            "recode_from_deactivated",
            "recode_threshold"
        ]
    );
}

#[test]
fn text_segments_keep_ascii_words_whole() {
    let s = text_segments("限0.25g规格", "限0.5g规格");
    assert_eq!(
        s,
        vec![
            Segment {
                op: SegmentOp::Equal,
                text: "限".into()
            },
            Segment {
                op: SegmentOp::Delete,
                text: "0.25g".into()
            },
            Segment {
                op: SegmentOp::Insert,
                text: "0.5g".into()
            },
            Segment {
                op: SegmentOp::Equal,
                text: "规格".into()
            },
        ]
    );
}

/// Speed check, not a unit test: two stored 1M-row drug versions.
/// `MULU_DIFF_BENCH_DB=/tmp/diff1m.db cargo test -p catalog-diff --release --lib -- --ignored bench_diff_1m --nocapture`
/// The first run imports (not timed); run again to measure the diff alone
/// (e.g. under `/usr/bin/time -v` for peak RSS).
#[test]
#[ignore]
fn bench_diff_1m_stored() {
    const N: usize = 1_000_000;
    let path =
        std::env::var("MULU_DIFF_BENCH_DB").unwrap_or_else(|_| "/tmp/mulu-diff-bench-1m.db".into());
    let fresh = !std::path::Path::new(&path).exists();
    let mut store = Store::open(std::path::Path::new(&path)).unwrap();
    let row = |i: usize| {
        let mut e = drug(
            &format!("XA{i:021}"),
            &format!("测试药品{}号片", i % 50_000),
            &format!("{}mg*{}片", 5 * (i % 97 + 1), 6 * (i % 7 + 1)),
            &format!("第{}制药有限公司", i % 3_000),
            &format!("国药准字H{:08}", i),
        );
        set(&mut e, "dosage_form", "片剂");
        set(&mut e, "pack_material", "铝塑泡罩");
        set(&mut e, "pack_qty", &(6 * (i % 7 + 1)).to_string());
        set(&mut e, "min_unit", "片");
        set(&mut e, "pack_unit", "盒");
        set(&mut e, "standard_code", &format!("869{i:011}"));
        set(
            &mut e,
            "list_class",
            if i.is_multiple_of(3) { "甲" } else { "乙" },
        );
        set(&mut e, "market_state", "上市");
        e
    };
    if fresh {
        let meta = |label: &str| VersionMeta {
            category: Category::Drug,
            label: label.into(),
            source: "bench".into(),
            published: None,
            note: None,
        };
        store
            .import_version(&meta("v1"), false, (0..N).map(|i| Ok::<_, String>(row(i))))
            .unwrap();
        // v2: 1% changed, 0.2% deactivated, 0.1% removed (a fifth of them
        // re-coded), 0.1% added, 0.5% whitespace/width noise.
        let v2 = (0..N).filter_map(|i| {
            let mut e = row(i);
            if i % 1000 == 7 {
                if i % 5000 == 7 {
                    e.code = format!("XB{i:021}");
                    return Some(e);
                }
                return None;
            }
            if i % 100 == 3 {
                set(&mut e, "spec", "999mg*1片");
            } else if i % 500 == 11 {
                e.active = false;
            } else if i % 200 == 13 {
                let m = e.field("manufacturer").display();
                set(&mut e, "manufacturer", &format!(" {m}　"));
            }
            Some(e)
        });
        let added = (0..N / 1000).map(|i| {
            drug(
                &format!("XC{i:021}"),
                "新增药品",
                "1g",
                "新厂",
                &format!("国药准字Z{i:08}"),
            )
        });
        let mut all: Vec<Entry> = v2.chain(added).collect();
        all.sort_by(|a, b| a.code.cmp(&b.code));
        store
            .import_version(&meta("v2"), false, all.into_iter().map(Ok::<_, String>))
            .unwrap();
        eprintln!("imported into {path}; run again to time the diff alone");
    }
    let v1 = store.resolve(Some("v1"), None).unwrap();
    let v2 = store.resolve(Some("v2"), None).unwrap();
    let t = std::time::Instant::now();
    let d = diff_stored(&store, &v1, &v2, &DiffOptions::default()).unwrap();
    let took = t.elapsed();
    let c = &d.summary.total.classes;
    eprintln!(
        "diff {} → {} rows in {took:.2?}: added {} deactivated {} removed {} changed {} recoded {} noise {}",
        d.summary.total.old_rows, d.summary.total.new_rows, c.added, c.deactivated, c.removed, c.changed, c.recoded,
        d.summary.total.noise_only
    );
    assert_eq!(c.recoded, 200);
    assert_eq!(c.removed, 800);
    assert_eq!(c.added, 1000);
    assert_eq!(c.changed, 10_000);
}

/// Time a diff of two versions in an existing store:
/// `MULU_DIFF_DB=… MULU_DIFF_OLD=v1 MULU_DIFF_NEW=v2 cargo test -p catalog-diff --release --lib -- --ignored bench_diff_env --nocapture`
#[test]
#[ignore]
fn bench_diff_env() {
    let (Ok(db), Ok(o), Ok(n)) = (
        std::env::var("MULU_DIFF_DB"),
        std::env::var("MULU_DIFF_OLD"),
        std::env::var("MULU_DIFF_NEW"),
    ) else {
        eprintln!("set MULU_DIFF_DB, MULU_DIFF_OLD and MULU_DIFF_NEW");
        return;
    };
    let store = Store::open(std::path::Path::new(&db)).unwrap();
    let (v1, v2) = (
        store.resolve(Some(&o), None).unwrap(),
        store.resolve(Some(&n), None).unwrap(),
    );
    let t = std::time::Instant::now();
    let d = diff_stored(&store, &v1, &v2, &DiffOptions::default()).unwrap();
    eprintln!(
        "diff {} → {} rows in {:.2?}: {:?}",
        d.summary.total.old_rows,
        d.summary.total.new_rows,
        t.elapsed(),
        d.summary.total.classes
    );
}

#[test]
fn recodes_found_through_blocking_in_a_big_diff() {
    // 300 removed × 250 added is above the all-pairs limit, so candidates
    // come from blocks (strong keys, then exact names) scored on two threads.
    let old: Vec<Entry> = (0..300)
        .map(|i| {
            drug(
                &format!("XA{i:08}"),
                &format!("旧药{i}片"),
                "10mg*12片",
                "甲厂",
                &format!("国药准字H{i:08}"),
            )
        })
        .collect();
    let mut new: Vec<Entry> = (0..250)
        .map(|i| {
            drug(
                &format!("XB{i:08}"),
                &format!("新药{i}片"),
                "10mg*12片",
                "乙厂",
                &format!("国药准字Z{i:08}"),
            )
        })
        .collect();
    for i in [5usize, 150, 299] {
        let mut e = old[i].clone();
        e.code = format!("XC{i:08}");
        new.push(e);
    }
    // Same name, no approval number on the new side: found by the name block.
    let mut by_name = old[7].clone();
    by_name.code = "XD00000007".into();
    by_name.detail.set("approval_no", FieldValue::Empty);
    new.push(by_name);
    let d = diff_versions(&old, &new, &DiffOptions::default()).unwrap();
    let got: Vec<(&str, &str)> = d
        .of_class(ChangeClass::Recoded)
        .map(|c| (c.old_code.as_deref().unwrap(), c.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("XA00000005", "XC00000005"),
            ("XA00000150", "XC00000150"),
            ("XA00000299", "XC00000299"),
            ("XA00000007", "XD00000007"),
        ]
    );
    assert_eq!(d.summary.total.classes.removed, 296);
    assert_eq!(d.summary.total.classes.added, 250);
}

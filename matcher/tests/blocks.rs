//! Large same-name blocks (bad input of the national consumable list): a
//! block too large to pre-score is refined by a second key, the number of
//! rows looked at stays under the caps whatever the block size, an item
//! with only a name says the cap was reached, and suggestions do not
//! depend on the index build or the thread count.

use catalog_core::entry::ConsumableInfo;
use catalog_core::{Category, Detail, Entry, HospitalItem, Store, VersionMeta};
use matcher::{index, MatchResult, Matcher, Tier};

const NAME: &str = "一次性使用无菌注射器";
const ROWS: usize = 12_000;
const MAKERS: [&str; 6] = [
    "江苏华达医疗器械有限公司",
    "山东威高集团医用高分子制品股份有限公司",
    "上海康德莱企业发展集团股份有限公司",
    "浙江灵洋医疗器械有限公司",
    "河南驼人医疗器械集团有限公司",
    "广东宝莱特医用科技股份有限公司",
];
const SPECS: [&str; 5] = ["1ml", "2ml", "5ml", "10ml", "20ml"];

fn code(i: usize) -> String {
    format!(
        "C02010800412{:03}{:07}{:05}",
        i / 100 % 1000,
        i,
        11271 + i % 6
    )
}

fn catalogue() -> Vec<Entry> {
    (0..ROWS)
        .map(|i| {
            let c = ConsumableInfo {
                generic_name: Some(NAME.into()),
                spec: Some(SPECS[i % 5].into()),
                model: Some(format!("ZS-{}", 1000 + i)),
                registration_no: Some(format!("苏械注准2019215{:04}", i / 40)),
                manufacturer: Some(MAKERS[i % 6].into()),
                unit: Some("支".into()),
                ..ConsumableInfo::default()
            };
            Entry::new(code(i), NAME, Detail::Consumable(c))
        })
        .collect()
}

fn build(store: &Store, v: &catalog_core::VersionInfo, home: &std::path::Path) -> Matcher {
    let dir = index::dir_for(home, v);
    index::build(store, v, &dir, &|_, _| {}).unwrap();
    Matcher::open(&dir).unwrap()
}

fn items() -> Vec<HospitalItem> {
    let it = |row: u64, spec: Option<&str>, mfr: Option<&str>| HospitalItem {
        row,
        code: format!("H{row:03}"),
        name: NAME.into(),
        spec: spec.map(String::from),
        manufacturer: mfr.map(String::from),
        unit: Some("支".into()),
        ..HospitalItem::default()
    };
    vec![
        // The model number names one row of the 12,000.
        it(1, Some("5ml ZS-8777"), None),
        // Size and an abbreviated maker: the block is refined by both.
        it(2, Some("10ml"), Some("华达")),
        // Only the name: nothing to refine by.
        it(3, None, None),
        it(4, Some("20ml"), Some("威高")),
    ]
}

fn check_caps(r: &MatchResult) {
    let t = &r.retrieval;
    assert!(t.candidates_scored <= 200, "{t:?}");
    // Each refined block gives at most 400 rows to the pre-score.
    assert!(t.prescored <= 400 * (t.blocks_refined + 2), "{t:?}");
    assert_eq!(t.largest_block, ROWS as u64, "{t:?}");
}

#[test]
fn large_block_is_refined_within_caps_and_reproducible() {
    let mut store = Store::open_in_memory().unwrap();
    let meta = VersionMeta {
        category: Category::Consumable,
        label: "v1".into(),
        source: "test".into(),
        published: None,
        note: None,
    };
    let v = store
        .import_version(&meta, false, catalogue().into_iter().map(Ok::<_, String>))
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let m = build(&store, &v, home.path());
    let items = items();
    let res = m.match_batch(&items, 5, &|_| {});
    for r in &res {
        check_caps(r);
    }

    let model = &res[0];
    assert_eq!(model.best().unwrap().code, code(7777), "{model:?}");
    assert!(
        model.retrieval.keys.iter().any(|k| k == "型号"),
        "{model:?}"
    );

    let refined = &res[1];
    assert!(refined.retrieval.blocks_refined >= 1, "{refined:?}");
    assert!(
        refined.retrieval.refined_by.iter().any(|k| k == "生产企业"),
        "{refined:?}"
    );
    let best = refined.best().unwrap();
    assert_eq!(best.manufacturer, MAKERS[0], "{refined:?}");
    assert!(best.spec.contains("10ml"), "{refined:?}");
    // Rows 3, 33, 63 … share maker and size: no single row is clear.
    assert_ne!(refined.tier, Tier::High, "{refined:?}");

    let bare = &res[2];
    assert!(bare.retrieval.cap_reached, "{bare:?}");
    assert!(bare.reason.contains("已达候选上限"), "{}", bare.reason);
    assert_ne!(bare.tier, Tier::High);
    assert!(res[0].reason.contains("检索:"), "{}", res[0].reason);

    // A second build of the same version, matched on 1 and on 2 threads,
    // gives byte-identical suggestions.
    let home2 = tempfile::tempdir().unwrap();
    let m2 = build(&store, &v, home2.path());
    let run = |m: &Matcher, threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let r = pool.install(|| m.match_batch(&items, 5, &|_| {}));
        serde_json::to_vec(&r).unwrap()
    };
    let a = run(&m, 1);
    assert_eq!(a, run(&m2, 2));
    assert_eq!(a, serde_json::to_vec(&res).unwrap());
}

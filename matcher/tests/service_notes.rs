//! Service names with a local note appended: the note comes off only when
//! what is left is a catalogue name and the note is not a misspelt sub-item.

mod common;

use catalog_core::entry::ServiceInfo;
use catalog_core::{Category, Detail, Entry, HospitalItem};
use matcher::{Matcher, Tier};

fn matcher() -> (Matcher, tempfile::TempDir) {
    let rows = [
        ("003306000010000", "刮宫术", None, None),
        ("003306000010100", "刮宫术(分段诊断性刮宫)", None, None),
        ("004300000050000", "微针针刺", None, None),
        ("004300000050900", "微针针刺(夹髓针)", None, None),
        ("002503010080000", "静脉输液", None, None),
        ("003112010180000", "宫腔粘连分离术", Some("311201018"), None),
        // One name, two rows (a national list repeats a name under two
        // sections): the name alone does not tell them apart.
        ("002101030120000", "食管造影", None, None),
        ("002101030120100", "食管造影", None, None),
        // One name under two billing units: two items.
        ("002201000010000", "心电图检查", None, Some("次")),
        ("002201000010100", "心电图检查", None, Some("部位")),
        // One row with a unit, one without: the one without could be either.
        ("002202000010000", "胃镜检查", None, Some("次")),
        ("002202000010100", "胃镜检查", None, None),
    ];
    let entries: Vec<Entry> = rows
        .iter()
        .map(|(c, n, p, u)| {
            let info = ServiceInfo {
                price_code: p.map(String::from),
                unit: u.map(String::from),
                ..ServiceInfo::default()
            };
            Entry::new(*c, *n, Detail::Service(info))
        })
        .collect();
    common::matcher_of(Category::Service, entries)
}

fn item(name: &str) -> HospitalItem {
    HospitalItem {
        row: 1,
        code: "H1".into(),
        name: name.into(),
        ..HospitalItem::default()
    }
}

#[test]
fn a_setting_note_comes_off_and_any_other_note_keeps_the_item_below_high() {
    let (m, _t) = matcher();
    // Where the service is given or what its price includes: not a variant.
    for (name, want) in [
        ("刮宫术(分段诊断性刮宫)（住院）", "003306000010100"),
        ("刮宫术(分段诊断性刮宫)(含耗材)", "003306000010100"),
        ("静脉输液 含材料", "002503010080000"),
        ("静脉输液【本院】/每次", "002503010080000"),
    ] {
        let r = m.match_item(&item(name), 3);
        assert_eq!(r.candidates[0].code, want, "{name}: {r:#?}");
        assert_eq!(r.tier, Tier::High, "{name}: {r:#?}");
        assert!(r.reason.contains("院内备注"), "{name}: {}", r.reason);
    }
    // Words the national list uses for sub-items may name a variant the
    // catalogue lacks: a clerk confirms.
    for (name, want) in [
        ("刮宫术(分段诊断性刮宫)(特需)", "003306000010100"),
        ("静脉输液(床旁)", "002503010080000"),
        ("静脉输液 急诊", "002503010080000"),
    ] {
        let r = m.match_item(&item(name), 3);
        assert_eq!(r.candidates[0].code, want, "{name}: {r:#?}");
        assert!(r.tier < Tier::High, "{name}: {:?}", r.tier);
        assert!(r.reason.contains("需人工确认"), "{name}: {}", r.reason);
    }
}

#[test]
fn a_misspelt_sub_item_is_not_taken_for_a_note() {
    let (m, _t) = matcher();
    let r = m.match_item(&item("微针针刺(夹针髓)"), 3);
    assert!(!r.reason.contains("院内备注"), "{}", r.reason);
    assert_eq!(r.candidates[0].code, "004300000050900", "{r:#?}");
    // The exact catalogue name is matched as it is, nothing dropped.
    let r = m.match_item(&item("刮宫术(分段诊断性刮宫)"), 3);
    assert_eq!(r.candidates[0].code, "003306000010100");
    assert!(!r.reason.contains("院内备注"), "{}", r.reason);
}

#[test]
fn a_name_only_one_row_carries_is_high_and_a_shared_one_is_not() {
    let (m, _t) = matcher();
    let r = m.match_item(&item("宫腔粘连分离术"), 3);
    assert_eq!(r.candidates[0].code, "003112010180000");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
    assert!(
        r.candidates[0]
            .evidence
            .iter()
            .any(|e| e.field == "唯一同名"),
        "{r:#?}"
    );
    // Full-width brackets and traditional characters fold to the same name.
    let r = m.match_item(&item("刮宮術（分段診斷性刮宮）"), 3);
    assert_eq!(r.candidates[0].code, "003306000010100");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
    let r = m.match_item(&item("食管造影"), 3);
    assert!(r.tier < Tier::High, "{r:#?}");
    assert!(r.candidates[0]
        .evidence
        .iter()
        .all(|e| e.field != "唯一同名"));
}

#[test]
fn a_price_code_that_agrees_confirms_a_dropped_note() {
    let (m, _t) = matcher();
    let mut it = item("宫腔粘连分离术(床旁)/次");
    it.price_code = Some("311201018-02".into());
    let r = m.match_item(&it, 3);
    assert_eq!(r.candidates[0].code, "003112010180000");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
    assert!(r.reason.contains("院内备注"), "{}", r.reason);
    // The same note without the code: a clerk confirms it.
    let r = m.match_item(&item("宫腔粘连分离术(床旁)"), 3);
    assert_eq!(r.candidates[0].code, "003112010180000");
    assert_eq!(r.tier, Tier::Medium, "{r:#?}");
    // A code of another item contradicts the name: never high.
    let mut it = item("宫腔粘连分离术");
    it.price_code = Some("250402030".into());
    let r = m.match_item(&it, 3);
    assert!(r.tier < Tier::High, "{r:#?}");
}

#[test]
fn a_name_under_two_units_is_told_apart_by_the_items_unit() {
    let (m, _t) = matcher();
    let mut it = item("心电图检查");
    it.unit = Some("部位".into());
    let r = m.match_item(&it, 3);
    assert_eq!(r.candidates[0].code, "002201000010100", "{r:#?}");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
    // A unit typed after the name counts as the item's unit.
    let r = m.match_item(&item("心电图检查/次"), 3);
    assert_eq!(r.candidates[0].code, "002201000010000", "{r:#?}");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
    // `每部位` bills as `部位`, whether in the unit column or after the name.
    let mut it = item("心电图检查/每部位");
    it.unit = Some("每部位".into());
    let r = m.match_item(&it, 3);
    assert_eq!(r.candidates[0].code, "002201000010100", "{r:#?}");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
    let e = r.candidates[0]
        .evidence
        .iter()
        .find(|e| e.field == "唯一同名");
    assert!(
        e.is_some_and(|e| e.catalogue_value.contains("单位相同")),
        "{r:#?}"
    );
    // No unit: the two rows are equally likely.
    let r = m.match_item(&item("心电图检查"), 3);
    assert!(r.tier < Tier::High, "{r:#?}");
    // A same-name row without a unit is not ruled out by the item's unit.
    let mut it = item("胃镜检查");
    it.unit = Some("次".into());
    let r = m.match_item(&it, 3);
    assert!(r.tier < Tier::High, "{r:#?}");
    assert!(r.candidates[0]
        .evidence
        .iter()
        .all(|e| e.field != "唯一同名"));
}

//! In a same-name group larger than the rows fully scored, the cheap
//! pre-score chooses which rows are scored. What tells the item's row apart
//! must count there too, or the row never reaches the scorer: the package
//! unit (`/瓶` against `/盒`) and the trade name in brackets.

mod common;

use catalog_core::entry::DrugInfo;
use catalog_core::{Category, Detail, Entry, HospitalItem};
use matcher::{MatchResult, Matcher};

const NAME: &str = "恩扎卢胺软胶囊";
/// More rows than one group gets fully scored, all alike but the maker.
const BOXES: usize = 90;

fn drug(i: usize, unit: &str, trade: Option<&str>) -> Entry {
    let d = DrugInfo {
        reg_name: Some(NAME.into()),
        trade_name: trade.map(String::from),
        dosage_form: Some("软胶囊".into()),
        spec: Some("40mg".into()),
        pack_qty: Some("30".into()),
        min_unit: Some("粒".into()),
        pack_unit: Some(unit.into()),
        manufacturer: Some(format!("制药厂{i:03}有限公司")),
        ..DrugInfo::default()
    };
    Entry::new(format!("XL02BBE123A001010{i:06}"), NAME, Detail::Drug(d))
}

/// The boxes come first in code order, so a pre-score blind to the unit
/// and the trade name fills the scored rows with them.
fn matcher() -> (Matcher, tempfile::TempDir) {
    let mut rows: Vec<Entry> = (0..BOXES).map(|i| drug(i, "盒", None)).collect();
    rows.push(drug(BOXES, "瓶", None));
    rows.push(drug(BOXES + 1, "盒", Some("信平")));
    common::matcher_of(Category::Drug, rows)
}

fn item(name: &str, spec: &str) -> HospitalItem {
    HospitalItem {
        row: 1,
        code: "H1".into(),
        name: name.into(),
        spec: Some(spec.into()),
        ..HospitalItem::default()
    }
}

fn best(r: &MatchResult) -> String {
    r.best().map(|c| c.code.clone()).unwrap_or_default()
}

#[test]
fn the_package_unit_keeps_the_bottle_among_the_scored_rows() {
    let (m, _dir) = matcher();
    let r = m.match_item(&item(NAME, "40mg*30粒/瓶"), 5);
    assert_eq!(
        best(&r),
        format!("XL02BBE123A001010{BOXES:06}"),
        "{}",
        r.reason
    );
}

#[test]
fn the_trade_name_keeps_its_row_among_the_scored_rows() {
    let (m, _dir) = matcher();
    let r = m.match_item(&item(&format!("{NAME}(信平)"), "40mg*30粒/盒"), 5);
    assert_eq!(
        best(&r),
        format!("XL02BBE123A001010{:06}", BOXES + 1),
        "{}",
        r.reason
    );
}

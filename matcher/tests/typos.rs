//! A name one typing slip from a catalogue name reaches that name's rows,
//! even when the full-text search ranks dozens of other rows above them.

mod common;

use catalog_core::entry::ServiceInfo;
use catalog_core::{Category, Detail, Entry, HospitalItem};
use matcher::Matcher;

const TARGET: &str = "002202000010000";

fn matcher() -> (Matcher, tempfile::TempDir) {
    let mut entries = vec![Entry::new(
        TARGET,
        "胃镜检查",
        Detail::Service(ServiceInfo::default()),
    )];
    // Rows that share every character bigram of the misspelt `胃镜检察`
    // and so outrank the right row in BM25, none of them one slip from it.
    let tails: Vec<char> = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥春夏秋冬东南西北"
        .chars()
        .collect();
    let mut n = 0;
    for a in &tails {
        for b in tails.iter().take(2) {
            n += 1;
            entries.push(Entry::new(
                format!("0022020000{n:05}"),
                format!("胃镜检察{a}{b}"),
                Detail::Service(ServiceInfo::default()),
            ));
        }
    }
    assert!(n > 50);
    common::matcher_of(Category::Service, entries)
}

fn item(name: &str) -> HospitalItem {
    HospitalItem {
        code: "H1".into(),
        name: name.into(),
        ..HospitalItem::default()
    }
}

#[test]
fn a_misspelt_name_reaches_the_row_it_is_one_slip_from() {
    let (m, _dir) = matcher();
    for typo in ["胃镜检察", "胃镜检查查", "胃检镜查"] {
        let r = m.match_item(&item(typo), 20);
        assert!(
            r.candidates.iter().any(|c| c.code == TARGET),
            "{typo}: {:?}",
            r.candidates.iter().map(|c| &c.name).collect::<Vec<_>>()
        );
        assert!(
            r.retrieval.keys.iter().any(|k| k == "一字之差"),
            "{typo}: {:?}",
            r.retrieval
        );
        assert!(r.tier < matcher::Tier::High, "{typo}: a slip is not high");
    }
    // Three characters are too few to call one of them a slip.
    let r = m.match_item(&item("胃镜检"), 20);
    assert!(
        !r.retrieval.keys.iter().any(|k| k == "一字之差"),
        "{:?}",
        r.retrieval
    );
    // The right name itself needs no slip.
    let r = m.match_item(&item("胃镜检查"), 20);
    assert_eq!(r.best().map(|c| c.code.as_str()), Some(TARGET));
    assert!(!r.retrieval.keys.iter().any(|k| k == "一字之差"));
}

#[test]
fn a_name_typed_with_the_wrong_homophones_reaches_the_row_it_sounds_like() {
    let (m, _dir) = matcher();
    // 味境检茶: three characters wrong, each of the right sound.
    let r = m.match_item(&item("味境检茶"), 20);
    assert_eq!(
        r.best().map(|c| c.code.as_str()),
        Some(TARGET),
        "{}",
        r.reason
    );
    assert!(
        r.retrieval.keys.iter().any(|k| k == "同音"),
        "{:?}",
        r.retrieval
    );
    // The explanation says why a name with three wrong characters was taken.
    assert!(
        r.candidates[0].evidence.iter().any(|e| e.field == "同音"),
        "{}",
        r.reason
    );
    assert!(r.tier < matcher::Tier::High, "{}", r.reason);
    // Another sound is another name.
    let r = m.match_item(&item("味境检测"), 20);
    assert!(
        !r.retrieval.keys.iter().any(|k| k == "同音"),
        "{:?}",
        r.retrieval
    );
}

//! Diagnoses are named by the standard: a name only one row carries is strong
//! evidence, and a code in the HIS row is "a code of some edition", trusted
//! only when the name agrees (issue #17).

mod common;

use catalog_core::HospitalItem;
use matcher::{Matcher, Tier};

fn matcher() -> (Matcher, tempfile::TempDir) {
    let rows = [
        ("A00.000x001", "古典生物型霍乱"),
        ("A00.100x001", "埃尔托生物型霍乱"),
        ("A01.000", "伤寒"),
        ("A01.000x002", "伤寒杆菌性败血症"),
        // One name under two codes: nothing in a name-only item tells them apart.
        ("B90.000", "结核病后遗症"),
        ("B90.003", "结核病后遗症"),
    ];
    common::diagnoses_of(&rows)
}

fn item(name: &str, code: Option<&str>) -> HospitalItem {
    HospitalItem {
        row: 1,
        code: "H1".into(),
        name: name.into(),
        national_code: code.map(String::from),
        ..HospitalItem::default()
    }
}

#[test]
fn an_identical_name_alone_is_high() {
    let (m, _t) = matcher();
    // Full-width punctuation and spaces are not part of the name.
    let r = m.match_item(&item("埃尔托生物型 霍乱", None), 3);
    assert_eq!(r.candidates[0].code, "A00.100x001");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
    // Two diagnoses written as one: the second is not a billing unit.
    let r = m.match_item(&item("古典生物型霍乱/伤寒", None), 3);
    assert!(r.tier < Tier::High, "{r:#?}");
    // A name the catalogue does not hold as it is: not high on the name.
    let r = m.match_item(&item("霍乱", None), 3);
    assert!(r.tier < Tier::High, "{r:#?}");
}

#[test]
fn a_code_of_another_edition_that_names_another_row_is_a_conflict_not_high() {
    let (m, _t) = matcher();
    // The HIS holds the name of one diagnosis and a code that, in this
    // edition, is another: the name wins the ranking, and a clerk decides.
    let r = m.match_item(&item("古典生物型霍乱", Some("A01.000")), 3);
    assert_eq!(r.candidates[0].code, "A00.000x001", "{r:#?}");
    assert!(r.tier < Tier::High, "{r:#?}");
    assert!(
        r.candidates[0]
            .evidence
            .iter()
            .any(|e| e.field == "医保编码" && e.verdict == matcher::Verdict::Disagree),
        "{r:#?}"
    );
    // Code and name agree: high.
    let r = m.match_item(&item("伤寒", Some("A01.000")), 3);
    assert_eq!(r.candidates[0].code, "A01.000");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
}

#[test]
fn rows_nothing_tells_apart_share_the_probability_and_stay_below_high() {
    let (m, _t) = matcher();
    let r = m.match_item(&item("结核病后遗症", None), 3);
    assert!(r.tier < Tier::High, "{r:#?}");
    assert_eq!(r.candidates[0].score, r.candidates[1].score);
    // Each is the right one about half the time: not the near-zero a rival
    // within one log-odds usually means, nor more than one in two.
    let p = r.probability.unwrap();
    assert!(
        (0.3..=0.5).contains(&p),
        "two rows with the same evidence: {p}"
    );
    // The same item against a name one row carries is far surer.
    let q = m
        .match_item(&item("伤寒杆菌性败血症", None), 3)
        .probability
        .unwrap();
    assert!(q > p, "{q} vs {p}");
}

#[test]
fn a_reworded_name_keeps_the_word_that_tells_the_items_apart() {
    // The 临床版 says 酒精所致的…, the 医保版 使用酒精引起的…; the edit distance
    // alone picked 咖啡因所致的…, which keeps the template (real correspondence).
    let rows = [
        ("F10.700", "使用酒精引起的残留性和迟发性精神病性障碍"),
        ("F15.700x002", "咖啡因所致的残留性和迟发性精神病性障碍"),
        (
            "F15.700x003",
            "苯丙胺类兴奋剂所致的残留性和迟发性精神病性障碍",
        ),
        ("F17.600", "烟草所致的遗忘综合征"),
        ("F14.500", "可卡因所致的精神病性障碍"),
        ("F12.600", "大麻类物质所致的遗忘综合征"),
        ("F13.300", "镇静剂所致的戒断状态"),
        ("F16.200", "致幻剂所致的依赖综合征"),
        ("F18.000", "挥发性溶剂所致的急性中毒"),
        ("F10.401", "酒精性谵妄"),
    ];
    let (m, _t) = common::diagnoses_of(&rows);
    let r = m.match_item(&item("酒精所致的残留性和迟发性精神病性障碍", None), 5);
    assert_eq!(r.candidates[0].code, "F10.700", "{:?}", r.candidates);
    assert_ne!(
        r.tier,
        Tier::High,
        "a reworded name is for a clerk to confirm"
    );
}

#[test]
fn initials_still_name_a_diagnosis() {
    // The wording score knows nothing of pinyin: typed initials keep the
    // name evidence the initials gave.
    let rows = [
        ("I10.x00", "高血压"),
        ("I11.900", "高血压性心脏病"),
        ("E11.900", "2型糖尿病"),
        ("J18.900", "肺炎"),
    ];
    let (m, _t) = common::diagnoses_of(&rows);
    let r = m.match_item(&item("GXY", None), 5);
    assert_eq!(r.candidates[0].code, "I10.x00", "{:?}", r.candidates);
    let name = r.candidates[0]
        .evidence
        .iter()
        .find(|e| e.field == "名称")
        .unwrap();
    assert!(name.weight > 0.0, "{name:?}");
}

#[test]
fn a_clinical_code_of_the_same_category_leads_to_the_reworded_row() {
    // No 映射表: the HIS holds the 临床版 code A02.100x004 and a name worded
    // as neither row is; most re-coded diagnoses keep their category.
    let rows = [
        ("A02.100", "沙门菌败血症"),
        ("A41.900", "脓毒血症"),
        ("A41.901", "败血症"),
    ];
    let (m, _t) = common::diagnoses_of(&rows);
    let r = m.match_item(&item("沙门氏菌脓毒症", Some("A02.100x004")), 5);
    assert_eq!(r.candidates[0].code, "A02.100", "{:?}", r.candidates);
    let ev = &r.candidates[0].evidence;
    assert!(
        ev.iter()
            .any(|e| e.field == "ICD类目" && e.verdict == matcher::Verdict::Partial),
        "{ev:?}"
    );
    let other = r.candidates.iter().find(|c| c.code == "A41.901").unwrap();
    assert!(
        other
            .evidence
            .iter()
            .any(|e| e.field == "医保编码" && e.verdict == matcher::Verdict::Disagree),
        "{:?}",
        other.evidence
    );
}

#[test]
fn a_qualifier_on_one_side_only_names_another_disease() {
    // Real 临床版 → 医保版 pairs: the row that keeps the 临床版's words adds
    // 继发 (a secondary tumour) or 伴谵妄, which the 临床版 never drops (on
    // the correspondence 继发 is one-sided in 1 pair of 39, 伴谵妄 in none).
    let mut rows = vec![
        ("C19.x00", "直肠乙状结肠连接处恶性肿瘤"),
        ("C78.500x003", "直肠乙状结肠连接部继发恶性肿瘤"),
        ("C20.x00", "直肠恶性肿瘤"),
        ("F14.300", "使用可卡因引起的戒断状态"),
        ("F14.400", "伴有谵妄的可卡因戒断状态"),
        ("F14.500", "使用可卡因引起的精神性障碍"),
        ("F16.300", "使用致幻剂引起的戒断状态"),
    ];
    // As in the national list, most names are of tumours of one organ or
    // another, primary or secondary.
    let organs = [
        ("C16.900", "C78.800x001", "胃"),
        ("C22.900", "C78.700", "肝"),
        ("C34.900", "C78.000", "肺"),
        ("C71.900", "C79.300", "脑"),
        ("C64.x00", "C79.000", "肾"),
        ("C50.900", "C79.800x001", "乳腺"),
        ("C18.900", "C78.500", "结肠"),
        ("C15.900", "C78.800x003", "食管"),
    ];
    let names: Vec<(String, String, String, String)> = organs
        .iter()
        .map(|(p, s, o)| {
            (
                p.to_string(),
                format!("{o}恶性肿瘤"),
                s.to_string(),
                format!("{o}继发恶性肿瘤"),
            )
        })
        .collect();
    for (p, pn, s, sn) in &names {
        rows.push((p, pn));
        rows.push((s, sn));
    }
    let (m, _t) = common::diagnoses_of(&rows);
    for (his, right, other, differs) in [
        (
            "直肠乙状结肠连接部恶性肿瘤",
            "C19.x00",
            "C78.500x003",
            "继发",
        ),
        ("可卡因戒断状态", "F14.300", "F14.400", "伴谵妄"),
    ] {
        let r = m.match_item(&item(his, None), 5);
        assert_eq!(r.candidates[0].code, right, "{his}: {:?}", r.candidates);
        let wrong = r.candidates.iter().find(|c| c.code == other).unwrap();
        let q = wrong
            .evidence
            .iter()
            .find(|e| e.field == "限定词")
            .unwrap_or_else(|| panic!("{:?}", wrong.evidence));
        assert_eq!(q.verdict, matcher::Verdict::Disagree);
        assert_eq!(
            (q.hospital_value.as_str(), q.catalogue_value.as_str()),
            ("无", differs)
        );
        assert!(wrong
            .explain()
            .contains(&format!("限定词≠(无 / {differs})")));
        assert_ne!(wrong.tier, Tier::High);
    }
}

#[test]
fn a_best_row_that_differs_by_a_qualifier_is_never_high_nor_sure() {
    // Only the secondary tumour is close: it leads, and the clerk decides.
    let rows = [
        ("C78.800x007", "胰腺继发恶性肿瘤"),
        ("K86.100", "慢性胰腺炎"),
        ("C16.900", "胃恶性肿瘤"),
        ("C22.900", "肝恶性肿瘤"),
    ];
    let (m, _t) = common::diagnoses_of(&rows);
    let r = m.match_item(&item("胰腺恶性肿瘤", None), 5);
    assert_eq!(r.candidates[0].code, "C78.800x007", "{:?}", r.candidates);
    assert_ne!(r.tier, Tier::High, "{}", r.reason);
    assert!(r.probability.unwrap() < 0.995, "{:?}", r.probability);
    // Two qualifiers on one side weigh twice, and no more than twice.
    let two = matcher::score::qualifier_evidence(0, 0b11).unwrap();
    let three = matcher::score::qualifier_evidence(0, 0b111).unwrap();
    assert_eq!(two.weight, three.weight);
    assert!(two.weight < matcher::score::qualifier_evidence(0, 0b1).unwrap().weight);
}

#[test]
fn procedures_have_no_qualifiers() {
    // `原位` of a procedure (角膜原位磨镶术) is no in-situ tumour.
    let (m, _t) = common::procedures_of(&[
        ("11.7100x004", "准分子激光角膜原位磨镶术[LASIK]"),
        ("11.7100x006", "准分子激光角膜上皮瓣下磨镶术"),
        ("11.4900x002", "角膜病损切除术"),
    ]);
    let r = m.match_item(&item("准分子激光角膜磨镶术", None), 5);
    for c in &r.candidates {
        assert!(
            c.evidence.iter().all(|e| e.field != "限定词"),
            "{:?}",
            c.evidence
        );
    }
}

#[test]
fn a_clear_answer_is_shown_with_the_rows_nearest_in_wording_without_changing_its_probability() {
    let (m, _t) = common::diagnoses_of(&[
        ("K56.500", "肠粘连[带]伴有梗阻"),
        ("K56.500x003", "粘连性肠梗阻"),
        ("K56.600", "肠梗阻"),
        ("I10.x00", "特发性（原发性）高血压"),
    ]);
    let r = m.match_item(&item("肠粘连[带]伴有梗阻", None), 5);
    assert_eq!(r.candidates[0].code, "K56.500", "{r:#?}");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
    // The reworded row a clerk would weigh the answer against is listed…
    assert!(
        r.candidates.iter().any(|c| c.code == "K56.500x003"),
        "{r:#?}"
    );
    assert!(r.retrieval.keys.iter().any(|k| k == "用词相近"), "{r:#?}");
    // …but the probability is the one the per-field model was fitted for:
    // the name look-up found no rival, so there is no runner-up margin.
    let seen = r.logits.as_ref().unwrap();
    assert_eq!(seen.margin, None, "{r:#?}");
    // What `mulu calibrate` re-fits on is what the probability came from.
    let e = m.example(&r).unwrap();
    let p = m.field_model().probability(&e);
    assert!((p - r.probability.unwrap()).abs() < 1e-6, "{p} vs {r:#?}");
}

#[test]
fn clinical_shorthand_is_matched_as_the_term_it_stands_for() {
    let rows = [
        ("I25.103", "冠状动脉粥样硬化性心脏病"),
        ("Z03.501", "可疑冠心病观察"),
        ("C34.900x001", "肺恶性肿瘤"),
        ("R77.800x003", "CA199升高"),
        ("J44.900", "慢性阻塞性肺病"),
        ("K74.600x021", "乙肝后肝硬化合并甲肝感染"),
        ("B16.904", "急性乙型病毒性肝炎"),
        ("I63.900", "脑梗死"),
    ];
    let (m, _t) = common::diagnoses_of(&rows);
    for (typed, code) in [
        ("冠心病", "I25.103"),
        ("肺Ca", "C34.900x001"),
        ("肺 CA", "C34.900x001"),
        ("COPD", "J44.900"),
        ("慢阻肺", "J44.900"),
    ] {
        let r = m.match_item(&item(typed, None), 3);
        assert_eq!(r.candidates[0].code, code, "{typed}: {r:#?}");
        assert_eq!(r.tier, Tier::High, "{typed}: {r:#?}");
        assert!(
            r.reason.contains("院内简称按全称匹配"),
            "{typed}: {}",
            r.reason
        );
        // The result is the item's: its name as the HIS holds it.
        assert_eq!(r.hospital_name, typed);
    }
    // A catalogue name that holds shorthand itself is matched as written.
    let r = m.match_item(&item("可疑冠心病观察", None), 3);
    assert_eq!(r.candidates[0].code, "Z03.501", "{r:#?}");
    assert!(!r.reason.contains("院内简称"), "{}", r.reason);
    // The catalogue's own shorthand (`乙肝`, `甲肝`) wins over the written-out
    // reading when it fits better.
    let r = m.match_item(&item("乙肝后肝硬化合并甲肝", None), 3);
    assert_eq!(r.candidates[0].code, "K74.600x021", "{r:#?}");
    // A tumour marker is not a tumour, and a written-out term is not
    // written out again.
    let r = m.match_item(&item("CA199 升高", None), 3);
    assert_eq!(r.candidates[0].code, "R77.800x003", "{r:#?}");
    let r = m.match_item(&item("脑梗死(多发)", None), 3);
    assert_eq!(r.candidates[0].code, "I63.900", "{r:#?}");
    assert!(!r.reason.contains("院内简称"), "{}", r.reason);
    // `score_of` reads the item the same way.
    let s = m.score_of(&item("冠心病", None), "I25.103").unwrap();
    let r = m.match_item(&item("冠心病", None), 3);
    assert_eq!(s, r.candidates[0].score);
}

#[test]
fn a_name_in_a_rows_brackets_is_one_of_its_names() {
    let (m, _t) = common::diagnoses_of(&[
        ("I48.900x004", "心房颤动[心房纤颤]"),
        ("I48.000", "阵发性心房颤动"),
        (
            "E71.300x011",
            "肾上腺脑白质营养不良[Addison-Schilder综合征]",
        ),
        ("E71.301", "肾上腺脑白质营养不良"),
    ]);
    // Either name of the row, alone, names it.
    for typed in ["心房颤动", "心房纤颤", "Addison-Schilder综合征"] {
        let r = m.match_item(&item(typed, None), 3);
        assert_eq!(r.tier, Tier::High, "{typed}: {r:#?}");
        let e = r.candidates[0]
            .evidence
            .iter()
            .find(|e| e.field == "名称")
            .unwrap();
        assert_eq!(e.verdict, matcher::Verdict::Agree, "{typed}: {e:?}");
        assert!(e.catalogue_value.contains("同义名"), "{e:?}");
    }
    // A row's own name outranks another row's bracketed synonym.
    let r = m.match_item(&item("肾上腺脑白质营养不良", None), 3);
    assert_eq!(r.candidates[0].code, "E71.301", "{r:#?}");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
    assert!(r.candidates[0].score > r.candidates[1].score, "{r:#?}");

    // An abbreviation several procedures carry names none of them alone.
    let (m, _t) = common::procedures_of(&[
        ("43.4107", "内镜下胃黏膜下剥离术[ESD]"),
        ("45.3004", "内镜下十二指肠黏膜下剥离术(ESD)"),
        ("51.1000", "内镜逆行胰胆管造影[ERCP]"),
        ("51.1100", "内镜逆行胆管造影[ERC]"),
        ("81.5100", "全髋关节置换"),
        ("00.8500x001", "全髋关节表面置换术"),
    ]);
    let r = m.match_item(&item("ERCP", None), 3);
    assert_eq!(r.candidates[0].code, "51.1000", "{r:#?}");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
    // A procedure with or without its trailing `术` is one.
    let r = m.match_item(&item("全髋关节置换术", None), 3);
    assert_eq!(r.candidates[0].code, "81.5100", "{r:#?}");
    assert_eq!(r.tier, Tier::High, "{r:#?}");
    let r = m.match_item(&item("全髋关节表面置换", None), 3);
    assert_eq!(r.candidates[0].code, "00.8500x001", "{r:#?}");
    let r = m.match_item(&item("ESD", None), 3);
    assert!(r.tier < Tier::High, "{r:#?}");
    let codes: Vec<&str> = r.candidates.iter().map(|c| c.code.as_str()).collect();
    assert!(
        codes.contains(&"43.4107") && codes.contains(&"45.3004"),
        "{codes:?}"
    );
}

#[test]
fn a_his_code_brings_in_the_rows_of_its_category_that_the_name_does_not_find() {
    // `黑尔普病` (临床版 O14.1xx) is the 医保版's `HELLP综合征`: no word in common.
    let (m, _t) = common::diagnoses_of(&[
        ("O14.200", "HELLP综合征"),
        ("O14.100", "重度子痫前期"),
        ("L81.400", "黑变病"),
        ("K63.800x011", "结肠黑变病"),
        ("Q87.100x601", "塞克尔综合征"),
    ]);
    let codes = |r: &matcher::MatchResult| -> Vec<String> {
        r.candidates.iter().map(|c| c.code.clone()).collect()
    };
    let r = m.match_item(&item("黑尔普病", Some("O14.101")), 20);
    assert!(
        codes(&r).contains(&"O14.200".to_string()),
        "{:?}",
        codes(&r)
    );
    assert!(r.reason.contains("编码类目"), "{}", r.reason);
    assert!(r.tier < Tier::High, "{r:#?}");
    // Without the code the name alone does not reach it.
    let r = m.match_item(&item("黑尔普病", None), 20);
    assert!(
        !codes(&r).contains(&"O14.200".to_string()),
        "{:?}",
        codes(&r)
    );
}

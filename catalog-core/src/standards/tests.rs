use super::*;
use crate::category::Category;
use crate::normalize;

fn s() -> &'static Standards {
    Standards::builtin()
}

#[test]
fn every_example_in_the_table_decodes_as_its_own_standard() {
    for st in s().all() {
        for ex in &st.examples {
            let e = s()
                .explain_as(ex, &st.id)
                .unwrap_or_else(|e| panic!("{}: {e}", st.id));
            assert_eq!(e.standard, st.id);
            let joined: String = e.segments.iter().map(|s| s.value.as_str()).collect();
            assert!(e.code.starts_with(&joined), "{ex}: {joined}");
        }
    }
}

#[test]
fn checked_code_agrees_with_check_category() {
    let mut codes: Vec<String> = s()
        .all()
        .iter()
        .flat_map(|st| st.examples.iter().cloned())
        .collect();
    codes.extend(
        [
            "XA01ABD075A00201010048",
            "ｘａ01ABD075A002010100483",
            "A00000x001",
            "a00.000X001",
            "",
            "阿莫西林",
            "003313010030001",
            "C0201010520100100000034541",
        ]
        .map(String::from),
    );
    for c in &codes {
        for cat in Category::ALL {
            let full = s().check_category(c, cat);
            let quick = s().checked_code(c, cat);
            match (full, quick) {
                (Ok(Some(e)), Ok(q)) => assert_eq!(e.code, q, "{c} as {cat}"),
                (Ok(None), Ok(q)) => assert_eq!(normalize::code(c), q, "{c} as {cat}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{c} as {cat}"),
                (a, b) => panic!("{c} as {cat}: {a:?} vs {b:?}"),
            }
        }
    }
}

#[test]
fn western_drug_code_decodes_all_segments() {
    let e = s().explain("XA01ABD075A002010100483").unwrap();
    assert_eq!(e.standard, "drug_western");
    let v: Vec<_> = e
        .segments
        .iter()
        .map(|s| (s.name.as_str(), s.value.as_str()))
        .collect();
    assert_eq!(
        v,
        [
            ("药品标识", "X"),
            ("类别码", "A01AB"),
            ("名称码", "D075"),
            ("剂型码", "A002"),
            ("规格包装码", "0101"),
            ("企业码", "00483")
        ]
    );
    assert_eq!(e.segments[1].start, 2);
    assert_eq!(e.segments[1].end, 6);
    // The classification is decoded through the real class dictionary.
    assert!(e.segments[1].meaning.is_some(), "{:?}", e.segments[1]);
}

#[test]
fn tcm_service_and_icd_codes_decode() {
    assert_eq!(
        s().explain("ZD03AAA0043010100166").unwrap().standard,
        "drug_tcm"
    );
    let svc = s().explain("003313010030001").unwrap();
    assert_eq!(svc.standard, "service");
    assert_eq!(svc.segments[1].value, "331301003");
    assert_eq!(svc.segments[3].value, "01");
    let d = s().explain("A00.000x001").unwrap();
    assert_eq!(d.standard, "diagnosis");
    assert_eq!(d.form, "扩展码");
    let p = s().explain("00.0200x001").unwrap();
    assert_eq!(p.standard, "procedure");
    assert_eq!(
        s().explain("H44010600124").unwrap().standard,
        "medical_institution"
    );
    assert_eq!(
        s().explain("HY440106000001").unwrap().standard,
        "pharmacist"
    );
}

#[test]
fn icd_normalises_case_dot_and_width() {
    assert_eq!(s().explain("a00.000X001").unwrap().code, "A00.000x001");
    assert_eq!(
        s().explain_as("A00000x001", "diagnosis").unwrap().code,
        "A00.000x001"
    );
    assert_eq!(
        s().explain("Ａ００．０００ｘ００１").unwrap().code,
        "A00.000x001"
    );
    assert_eq!(s().explain("I10.X00").unwrap().code, "I10.x00");
    // Chapter X (external causes): the letter stays, the placeholder folds.
    assert_eq!(
        s().explain_as("X48.X00", "diagnosis").unwrap().code,
        "X48.x00"
    );
    assert_eq!(
        s().explain_as("x59.900x001", "diagnosis").unwrap().code,
        "X59.900x001"
    );
    assert_eq!(s().canonical("x48.x00", Category::Diagnosis), "X48.x00");
    assert_eq!(s().explain("03.1X00X001").unwrap().code, "03.1x00x001");
    let pair = s().explain("A01.001+K77.0*").unwrap();
    assert_eq!(pair.segments[0].meaning.as_deref(), Some("伤寒和副伤寒"));
    assert_eq!(pair.asterisk_code.as_deref(), Some("K77.0*"));
}

#[test]
fn short_drug_code_names_the_enterprise_segment() {
    let err = s().explain("XA01ABD075A00201010048").unwrap_err();
    assert_eq!(err.standard.as_deref(), Some("drug_western"));
    assert_eq!(err.segment.as_deref(), Some("企业码"));
    assert!(
        err.message.contains("企业码（第19–23位）应为5位数字"),
        "{}",
        err.message
    );
}

#[test]
fn bad_character_names_segment_and_position() {
    let err = s().explain("XA0XABD075A002010100483").unwrap_err();
    assert_eq!(err.segment.as_deref(), Some("类别码"));
    assert_eq!(err.position, Some(4));
    assert!(
        err.message.contains("第3个字符应为数字，实为“X”"),
        "{}",
        err.message
    );
    let long = s().explain("XA01ABD075A00201010048399").unwrap_err();
    assert!(
        long.message.contains("太长：共25位，此结构为23位"),
        "{}",
        long.message
    );
    let svc = s().explain_as("00331301003", "service").unwrap_err();
    assert_eq!(svc.segment.as_deref(), Some("细项"));
}

#[test]
fn garbage_and_empty_are_rejected_clearly() {
    assert!(s().explain("").unwrap_err().message.contains("编码为空"));
    let e = s().explain("阿莫西林").unwrap_err();
    assert_eq!(e.position, Some(1));
    assert!(s().explain("!!!").is_err());
    assert!(s()
        .explain_as("X", "no_such")
        .unwrap_err()
        .message
        .contains("unknown standard"));
    let bad_pair = s().explain("A01.001+K77").unwrap_err();
    assert_eq!(bad_pair.segment.as_deref(), Some("星号码"));
}

#[test]
fn category_check_uses_that_categorys_standards_only() {
    assert!(s()
        .check_category("XA01ABD075A002010100483", Category::Drug)
        .unwrap()
        .is_some());
    assert!(s()
        .check_category("003313010030000", Category::Drug)
        .is_err());
    assert!(s()
        .check_category("X656", Category::Reimbursement)
        .unwrap()
        .is_none());
    assert!(s().check_category("  ", Category::Reimbursement).is_err());
    assert_eq!(s().canonical("ｃ34.900", Category::Diagnosis), "C34.900");
}

#[test]
fn free_form_standards_are_not_guessed() {
    // "ABC123" fits the free shape of 医保系统单位代码 but must not be identified as it.
    assert!(s().explain("ABC123").is_err());
    assert!(s().explain_as("ABC123", "insurance_unit").is_ok());
}

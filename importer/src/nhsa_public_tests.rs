//! The NHSA public drug query (code.nhsa.gov.cn `stdGoodsPublic`): its
//! camelCase JSON rows and the same rows under Chinese export headers land in
//! the model's fields, so a catalogue read from it tells packages and makers
//! apart. Rows shaped like the real ones in `research-domain.md` §2.1.

use super::*;
use catalog_core::FieldValue;
use rust_xlsxwriter::Workbook;

// goodsCode, spec, companyName, approvalCode, marketState, realityMedicinemodel.
const ROWS: [[&str; 6]; 3] = [
    [
        "XJ01CAA040A001010100600",
        "按C16H19N3O5S计0.125g",
        "珠海联邦制药股份有限公司中山分公司",
        "国药准字H19983134",
        "上市",
        "片剂",
    ],
    [
        "XJ01CAA040A001010102777",
        "0.25g(按C₁₆H₁₉N₃O₅S计)",
        "石药集团中诺药业(石家庄)有限公司",
        "国药准字H13021771",
        "上市",
        "片剂",
    ],
    [
        "XA02BCA081A012010101359",
        "20mg(按C17H19N3O3S计算)",
        "阿斯利康制药有限公司",
        "国药准字H20046379",
        "停产",
        "肠溶片",
    ],
];

fn json_rows() -> String {
    let rows: Vec<serde_json::Value> = ROWS
        .iter()
        .map(|[code, spec, maker, approval, state, form]| {
            let omeprazole = code.starts_with("XA02");
            serde_json::json!({
                "goodsCode": code,
                "productCode": if omeprazole { "16" } else { "656" },
                "productName": if omeprazole { "埃索美拉唑(艾司奥美拉唑)" } else { "阿莫西林" },
                "productInsuranceType": if omeprazole { "乙" } else { "甲" },
                "registeredProductName": if omeprazole { "艾司奥美拉唑镁肠溶片" } else { "阿莫西林片" },
                "registeredMedicinemodel": "片剂",
                "realityMedicinemodel": form,
                "registeredOutlook": spec,
                "spec": spec,
                "unit": "盒",
                "approvalCode": approval,
                "companyName": maker,
                "listingHolder": maker,
                "marketState": state,
                "version": "20260515",
                "dataSource": "一百八十四批",
                "traceCodeFlag": "1",
            })
        })
        .collect();
    // The API wraps its rows: {"rows": [...], "total": n}.
    serde_json::json!({ "rows": rows, "total": rows.len() }).to_string()
}

const CN_HEADER: [&str; 15] = [
    "药品代码",
    "编号",
    "目录药品名称",
    "甲乙类",
    "注册名称",
    "注册剂型",
    "实际剂型",
    "规格",
    "单位",
    "批准文号",
    "生产企业",
    "上市许可持有人",
    "上市状态",
    "版本号",
    "数据来源",
];

fn write_xlsx(path: &std::path::Path) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in CN_HEADER.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, [code, spec, maker, approval, state, form]) in ROWS.iter().enumerate() {
        let omeprazole = code.starts_with("XA02");
        let cells = [
            *code,
            if omeprazole { "16" } else { "656" },
            if omeprazole {
                "埃索美拉唑(艾司奥美拉唑)"
            } else {
                "阿莫西林"
            },
            if omeprazole { "乙" } else { "甲" },
            if omeprazole {
                "艾司奥美拉唑镁肠溶片"
            } else {
                "阿莫西林片"
            },
            "片剂",
            form,
            spec,
            "盒",
            approval,
            maker,
            maker,
            state,
            "20260515",
            "一百八十四批",
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    wb.save(path).unwrap();
}

fn text(s: &str) -> FieldValue {
    FieldValue::Text(s.into())
}

/// Import `path` with the kind guessed from its header; check every field.
fn import_and_check(path: &std::path::Path) -> ImportSummary {
    let mut store = Store::open_in_memory().unwrap();
    let s = import_into(
        &mut store,
        &path.display().to_string(),
        &ImportOptions::default(),
        &|_| {},
    )
    .unwrap();
    assert_eq!(s.category, Category::Drug, "kind from the header");
    assert_eq!((s.read, s.imported, s.rejected), (3, 3, 0));
    // Only the fields the model has no place for stay in extra.
    for key in [
        "spec",
        "规格",
        "companyName",
        "生产企业",
        "marketState",
        "上市状态",
    ] {
        assert!(
            !s.extra_columns.iter().any(|c| c == key),
            "{key} in extra: {:?}",
            s.extra_columns
        );
    }
    let v = s.version.clone().unwrap();
    let entries = store.entries(v.id).unwrap();
    assert_eq!(entries.len(), 3);
    let by = |code: &str| entries.iter().find(|e| e.code == code).unwrap();
    for [code, spec, maker, approval, state, form] in ROWS {
        let e = by(code);
        assert_eq!(e.field("spec"), text(spec), "{code}");
        assert_eq!(e.field("manufacturer"), text(maker), "{code}");
        assert_eq!(e.field("holder"), text(maker), "{code}");
        assert_eq!(e.field("approval_no"), text(approval), "{code}");
        assert_eq!(e.field("market_state"), text(state), "{code}");
        assert_eq!(e.field("dosage_form"), text(form), "{code}");
        assert_eq!(e.field("reg_dosage_form"), text("片剂"), "{code}");
        assert_eq!(e.field("pack_unit"), text("盒"), "{code}");
    }
    let amox = by("XJ01CAA040A001010100600");
    assert_eq!(amox.name, "阿莫西林片");
    assert_eq!(amox.field("list_name"), text("阿莫西林"));
    assert_eq!(amox.field("list_class"), text("甲"));
    assert_eq!(amox.field("list_no"), text("656"));
    assert_eq!(
        by("XA02BCA081A012010101359").field("list_class"),
        text("乙")
    );
    // The two 阿莫西林片 differ in exactly what a match needs: 规格 and 生产企业.
    let other = by("XJ01CAA040A001010102777");
    assert_ne!(amox.field("spec"), other.field("spec"));
    assert_ne!(amox.field("manufacturer"), other.field("manufacturer"));
    s
}

#[test]
fn nhsa_public_query_json_fields_land_in_the_model() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("nhsa-public.json");
    std::fs::write(&p, json_rows()).unwrap();
    let s = import_and_check(&p);
    let mut extra = s.extra_columns.clone();
    extra.sort();
    // The camelCase fields with no model field are kept, not lost.
    assert_eq!(extra, ["dataSource", "traceCodeFlag", "version"]);
}

#[test]
fn nhsa_public_query_chinese_xlsx_headers_land_in_the_model() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("西药中成药信息.xlsx");
    write_xlsx(&p);
    let s = import_and_check(&p);
    let mut extra = s.extra_columns.clone();
    extra.sort();
    assert_eq!(extra, ["数据来源", "版本号"]);
}

#[test]
fn consumable_public_list_headers_land_in_the_model() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("耗材.csv");
    std::fs::write(
        &p,
        "医用耗材代码1,医用耗材代码2,一级分类,二级分类,三级分类,医保通用名,耗材材质,规格,耗材生产企业\n\
         C0101010010100204744,C02020200100000000000100483,介入治疗类,血管介入,支架,冠状动脉支架,钴铬合金,3.0*18mm,微创医疗器械(上海)有限公司\n",
    )
    .unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let s = import_into(
        &mut store,
        &p.display().to_string(),
        &ImportOptions::default(),
        &|_| {},
    );
    let s = match s {
        Ok(s) => s,
        Err(e) => panic!("{e}: {:?}", e.summary().map(|s| &s.rejects)),
    };
    assert_eq!(s.category, Category::Consumable);
    let e = &store.entries(s.version.unwrap().id).unwrap()[0];
    assert_eq!(e.name, "冠状动脉支架");
    assert_eq!(e.field("manufacturer"), text("微创医疗器械(上海)有限公司"));
    assert_eq!(e.field("spec"), text("3.0*18mm"));
    assert_eq!(e.field("material"), text("钴铬合金"));
    assert_eq!(s.extra_columns, ["医用耗材代码2"]);
}

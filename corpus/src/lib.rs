//! Deterministic national-scale test corpus: catalogues in the official
//! layouts (docs/formats.md), a next version with ground-truth changes, and
//! hospital dictionaries with ground truth. Same seed → byte-identical files.

pub mod consumable;
pub mod drug;
pub mod herbal;
pub mod hospital;
pub mod icd;
pub mod layouts;
pub mod service;
pub mod versions;
pub mod vocab;
pub mod write;

use anyhow::{Context, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use versions::{KindDef, Mut};
use write::Table;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sizes {
    pub drug: usize,
    pub consumable: usize,
    pub service: usize,
    pub diagnosis: usize,
    pub procedure: usize,
    pub herbal: usize,
    pub hosp_drug: usize,
    pub hosp_consumable: usize,
    pub hosp_service: usize,
    pub hosp_diagnosis: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// ~300k drugs, ~1M consumables, ~10k services, ~40k diagnoses, ~15k procedures.
    Full,
    /// A few thousand rows per catalogue: seconds to generate, for tests.
    Small,
    /// The bundled samples (data/samples): a few hundred rows, drug names from real codes only.
    Samples,
    Custom(Sizes),
}

impl Scale {
    pub fn sizes(self) -> Sizes {
        match self {
            Scale::Full => Sizes {
                drug: 300_000,
                consumable: 1_000_000,
                service: 10_000,
                diagnosis: 40_000,
                procedure: 15_000,
                herbal: 800,
                hosp_drug: 10_000,
                hosp_consumable: 5_000,
                hosp_service: 3_000,
                hosp_diagnosis: 2_000,
            },
            Scale::Small => Sizes {
                drug: 3_000,
                consumable: 5_000,
                service: 2_000,
                diagnosis: 2_500,
                procedure: 1_500,
                herbal: 150,
                hosp_drug: 400,
                hosp_consumable: 300,
                hosp_service: 200,
                hosp_diagnosis: 200,
            },
            Scale::Samples => Sizes {
                drug: 400,
                consumable: 300,
                service: 300,
                diagnosis: 300,
                procedure: 200,
                herbal: 60,
                hosp_drug: 200,
                hosp_consumable: 150,
                hosp_service: 150,
                hosp_diagnosis: 150,
            },
            Scale::Custom(s) => s,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Scale::Full => "full",
            Scale::Small => "small",
            Scale::Samples => "samples",
            Scale::Custom(_) => "custom",
        }
    }
}

/// Which container formats to write besides the primary one per catalogue.
#[derive(Clone, Copy, Debug)]
pub struct Formats {
    /// drug.xlsx, service.xlsx, reimbursement/negotiated .xlsx and hospital .xlsx.
    pub xlsx: bool,
    /// drug.csv (GBK).
    pub gbk_csv: bool,
    /// drug_1301.zip, consumable_1306.zip.
    pub zips: bool,
}

impl Default for Formats {
    fn default() -> Self {
        Formats {
            xlsx: true,
            gbk_csv: true,
            zips: true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct CorpusSpec {
    pub scale: Scale,
    pub seed: u64,
    pub out: PathBuf,
    pub formats: Formats,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    pub path: String,
    pub kind: String,
    /// v1, v2, changes, noise, hospital, hospital_labelled
    pub role: String,
    pub format: String,
    pub rows: u64,
    pub bytes: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct HospitalStats {
    pub items: u64,
    pub without_truth: u64,
    /// Items per combination of keys present (证号 column of the labelled file).
    pub keys: BTreeMap<String, u64>,
    /// Items per perturbation type (an item can have several).
    pub perturbations: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub scale: String,
    pub seed: u64,
    pub sizes: Sizes,
    pub files: Vec<FileEntry>,
    /// Per kind: count per change type (added, removed, …, noise_*).
    pub changes: BTreeMap<String, BTreeMap<String, u64>>,
    pub hospital: BTreeMap<String, HospitalStats>,
}

/// An independent random stream per part, so adding a catalogue never shifts another's rows.
fn rng_for(seed: u64, part: &str) -> ChaCha8Rng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in part.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    ChaCha8Rng::seed_from_u64(seed ^ h)
}

struct Out<'a> {
    root: &'a Path,
    files: Vec<FileEntry>,
    progress: &'a dyn Fn(&str, u64),
}

impl Out<'_> {
    fn add(&mut self, rel: &str, kind: &str, role: &str, format: &str, rows: u64) -> Result<()> {
        let bytes = std::fs::metadata(self.root.join(rel))
            .map(|m| m.len())
            .unwrap_or(0);
        (self.progress)(rel, rows);
        self.files.push(FileEntry {
            path: rel.to_string(),
            kind: kind.into(),
            role: role.into(),
            format: format.into(),
            rows,
            bytes,
        });
        Ok(())
    }
    fn csv(&mut self, rel: &str, kind: &str, role: &str, t: &Table) -> Result<()> {
        let n = write::csv_utf8(&self.root.join(rel), t)?;
        self.add(rel, kind, role, "csv", n)
    }
    fn xlsx(
        &mut self,
        rel: &str,
        kind: &str,
        role: &str,
        sheet: &str,
        titles: &[&str],
        t: &Table,
    ) -> Result<()> {
        let n = write::xlsx(&self.root.join(rel), sheet, titles, t)?;
        self.add(rel, kind, role, "xlsx", n)
    }
}

fn code0(r: &[String]) -> String {
    r.first().cloned().unwrap_or_default()
}
fn code_icd(r: &[String]) -> String {
    r.get(icd::CODE_COL).cloned().unwrap_or_default()
}

const DRUG_DEF: KindDef = KindDef {
    kind: "drug",
    keys: drug::KEYS,
    code_of: code0,
    muts: &[
        ("商品名称", Mut::Rename(&["Ⅱ", "(新)"])),
        ("注册规格", Mut::Rename(&["(以无水物计)", "(规格修订)"])),
        ("生产企业", Mut::Company),
        ("包装材质", Mut::Pick(vocab::PACK_MATERIALS)),
        ("甲乙类", Mut::FlipClass),
        ("备注", Mut::Pick(drug::RESTRICTIONS)),
        ("市场状态", Mut::Pick(&["上市", "停止销售", "未上市"])),
    ],
    noise_text: &["注册名称", "规格", "生产企业", "批准文号"],
    noise_money: &[],
};
const CONSUMABLE_DEF: KindDef = KindDef {
    kind: "consumable",
    keys: consumable::KEYS,
    code_of: code0,
    muts: &[
        ("价格", Mut::Money),
        ("生产企业", Mut::Company),
        ("注册备案产品名称", Mut::Rename(&["(灭菌型)", "(一次性)"])),
        ("型号", Mut::Rename(&["-A", "-Ⅱ"])),
    ],
    noise_text: &["规格", "医保通用名", "生产企业"],
    noise_money: &["价格"],
};
const SERVICE_DEF: KindDef = KindDef {
    kind: "service",
    keys: service::KEYS,
    code_of: code0,
    muts: &[
        ("一级价格", Mut::Money),
        ("二级价格", Mut::Money),
        ("三级价格", Mut::Money),
        ("项目名称", Mut::Rename(&["(含耗材)", "(限门诊)"])),
        (
            "项目内涵",
            Mut::Pick(&[
                "含消毒、铺巾、局部麻醉及术后护理。",
                "指在超声引导下进行。",
                "含标本采集。",
            ]),
        ),
        (
            "除外内容",
            Mut::Pick(&["一次性导管", "特殊缝线", "吻合器", ""]),
        ),
        ("计价单位", Mut::Pick(vocab::SERVICE_UNITS)),
    ],
    noise_text: &["项目名称", "项目内涵"],
    noise_money: &["一级价格", "二级价格", "三级价格"],
};
const DIAG_DEF: KindDef = KindDef {
    kind: "diagnosis",
    keys: icd::DIAG_KEYS,
    code_of: code_icd,
    muts: &[
        ("诊断名称", Mut::Rename(&["，未特指", "(规范名称)"])),
        ("临床版诊断名称", Mut::Rename(&["(临床)"])),
    ],
    noise_text: &["诊断名称", "类目名称"],
    noise_money: &[],
};
const PROC_DEF: KindDef = KindDef {
    kind: "procedure",
    keys: icd::PROC_KEYS,
    code_of: code_icd,
    muts: &[("手术操作名称", Mut::Rename(&["，单侧", "(规范名称)"]))],
    noise_text: &["手术操作名称"],
    noise_money: &[],
};
const REIMB_DEF: KindDef = KindDef {
    kind: "reimbursement",
    keys: drug::REIMB_KEYS,
    code_of: |r| drug::list_key(r),
    muts: &[
        ("甲乙类", Mut::FlipClass),
        ("备注", Mut::Pick(drug::RESTRICTIONS)),
    ],
    noise_text: &["药品名称", "备注"],
    noise_money: &[],
};
const NEG_DEF: KindDef = KindDef {
    kind: "negotiated",
    keys: drug::NEG_KEYS,
    code_of: |r| drug::list_key(r),
    muts: &[
        ("医保支付标准", Mut::PaymentStandard),
        (
            "协议有效期",
            Mut::Pick(&[
                "2026年1月1日至2027年12月31日",
                "2027年1月1日至2028年12月31日",
            ]),
        ),
        ("备注", Mut::Pick(drug::RESTRICTIONS)),
    ],
    noise_text: &["药品名称"],
    noise_money: &[],
};
const HERBAL_DEF: KindDef = KindDef {
    kind: "herbal",
    keys: herbal::KEYS,
    code_of: code0,
    muts: &[
        ("国家医保支付政策", Mut::Pick(&["单独使用时不予支付", ""])),
        ("质量等级", Mut::Pick(&["一等", "二等", "统货"])),
    ],
    noise_text: &["单味药名称", "性味"],
    noise_money: &[],
};

fn write_versions(
    out: &mut Out,
    def: &KindDef,
    v: &versions::Versioned,
    primary: &dyn Fn(&mut Out, &str, &Table) -> Result<()>,
) -> Result<()> {
    primary(out, "v1", &v.v1)?;
    primary(out, "v2", &v.v2)?;
    out.csv(
        &format!("changes/{}.csv", def.kind),
        def.kind,
        "changes",
        &v.changes,
    )?;
    out.csv(
        &format!("changes/{}.noise.csv", def.kind),
        def.kind,
        "noise",
        &v.noise,
    )?;
    Ok(())
}

fn write_hospital(
    out: &mut Out,
    kind: &str,
    d: &hospital::Dict,
    xlsx: bool,
) -> Result<HospitalStats> {
    let plain = d.plain();
    out.csv(&format!("hospital/{kind}.csv"), kind, "hospital", &plain)?;
    if xlsx {
        out.xlsx(
            &format!("hospital/{kind}.xlsx"),
            kind,
            "hospital",
            "字典",
            &[],
            &plain,
        )?;
    }
    out.csv(
        &format!("hospital/{kind}.labelled.csv"),
        kind,
        "hospital_labelled",
        &d.labelled,
    )?;
    Ok(HospitalStats {
        items: d.labelled.rows.len() as u64,
        without_truth: d.without_truth,
        keys: d.keys.clone(),
        perturbations: d.perturbations.clone(),
    })
}

/// Generate the corpus under `spec.out` and write `manifest.json`. `progress`
/// is called with each file written and its row count.
pub fn generate(spec: &CorpusSpec, progress: &dyn Fn(&str, u64)) -> Result<Manifest> {
    let s = spec.scale.sizes();
    let root = spec.out.as_path();
    for d in ["v1", "v2", "changes", "hospital"] {
        std::fs::create_dir_all(root.join(d))
            .with_context(|| format!("creating {}", root.join(d).display()))?;
    }
    let f = spec.formats;
    let mut out = Out {
        root,
        files: Vec::new(),
        progress,
    };
    let mut changes = BTreeMap::new();
    let mut hosp = BTreeMap::new();

    // 西药中成药 and the lists derived from the same generics.
    let mut rng = rng_for(spec.seed, "drug");
    let cat = drug::build(&mut rng, s.drug, spec.scale == Scale::Samples);
    let mut reimb = drug::DrugCatalog::reimbursement(&cat);
    let neg = cat.negotiated(&mut rng);
    let mut all = Table::new(drug::HEADERS);
    all.rows = cat.table.rows.clone();
    let companies = cat.companies.clone();
    let mut recode = |row: &mut Vec<String>, r: &mut ChaCha8Rng| -> Option<Vec<&'static str>> {
        // 上市许可持有人 transfer: same product, new company, new enterprise segment, 曾用码 = old code.
        use rand::Rng;
        let c = &companies[r.random_range(0..companies.len())];
        let old = row[0].clone();
        let cut = old.len().checked_sub(5)?;
        row[0] = format!("{}{}", &old[..cut], c.ent);
        if row[0] == old {
            return None;
        }
        row[12] = c.full();
        row[14] = c.full();
        row[18] = c.full();
        row[25] = old;
        Some(vec!["药品企业", "生产企业", "上市药品持有人", "曾用码"])
    };
    let dv = versions::make(&DRUG_DEF, all, &mut rng, Some(&mut recode));
    let gbk = f.gbk_csv;
    let (xl, zips) = (f.xlsx, f.zips);
    write_versions(
        &mut out,
        &DRUG_DEF,
        &dv,
        &|o: &mut Out, v: &str, t: &Table| {
            if xl {
                o.xlsx(
                    &format!("{v}/drug.xlsx"),
                    "drug",
                    v,
                    "总表",
                    &["医保药品分类与代码数据库更新表(数据更新至2026年1月9日)"],
                    t,
                )?;
            }
            if gbk {
                let n = write::csv_gbk(&o.root.join(format!("{v}/drug.csv")), t)?;
                o.add(&format!("{v}/drug.csv"), "drug", v, "csv_gbk", n)?;
            } else {
                o.csv(&format!("{v}/drug.csv"), "drug", v, t)?;
            }
            if zips {
                let rel = format!("{v}/drug_1301.zip");
                let n = write::zip_tsv(
                    &o.root.join(&rel),
                    "1301.txt",
                    t.rows.iter().map(|r| layouts::row_1301(r)),
                )?;
                o.add(&rel, "drug", v, "zip_1301", n)?;
            }
            Ok(())
        },
    )?;
    changes.insert("drug".to_string(), dv.counts.clone());
    let mut hrng = rng_for(spec.seed, "hospital_drug");
    let hd = hospital::drugs(&mut hrng, &cat, &dv.v1, &dv.v1_src, s.hosp_drug);
    hosp.insert(
        "drug".to_string(),
        write_hospital(&mut out, "drug", &hd, f.xlsx)?,
    );
    drop(hd);
    drop(dv);

    // Reimbursement and negotiated lists: xlsx (title rows as the NHSA publishes) or CSV.
    let list_writer = |name: &'static str, sheet: &'static str, title: &'static str| {
        move |o: &mut Out, v: &str, t: &Table| -> Result<()> {
            if xl {
                o.xlsx(&format!("{v}/{name}.xlsx"), name, v, sheet, &[title], t)
            } else {
                o.csv(&format!("{v}/{name}.csv"), name, v, t)
            }
        }
    };
    let mut lrng = rng_for(spec.seed, "reimbursement");
    let rv = versions::make(
        &REIMB_DEF,
        std::mem::replace(&mut reimb, Table::new(&[])),
        &mut lrng,
        None,
    );
    write_versions(
        &mut out,
        &REIMB_DEF,
        &rv,
        &list_writer(
            "reimbursement",
            "西药中成药部分",
            "国家基本医疗保险、工伤保险和生育保险药品目录",
        ),
    )?;
    changes.insert("reimbursement".to_string(), rv.counts.clone());
    let mut nrng = rng_for(spec.seed, "negotiated");
    let nv = versions::make(&NEG_DEF, neg, &mut nrng, None);
    write_versions(
        &mut out,
        &NEG_DEF,
        &nv,
        &list_writer("negotiated", "协议期内谈判药品部分", "协议期内谈判药品部分"),
    )?;
    changes.insert("negotiated".to_string(), nv.counts.clone());
    drop(cat);

    // 医用耗材: UTF-8 CSV (xlsx would be too slow at 1M rows) and 1306.
    let mut crng = rng_for(spec.seed, "consumable");
    let cc = consumable::build(&mut crng, s.consumable);
    let ccomp = cc.companies.clone();
    let cmeta: Vec<u32> = cc.meta.iter().map(|m| m.company).collect();
    let cents: Vec<String> = ccomp.iter().map(|c| c.ent.clone()).collect();
    let mut crecode = |row: &mut Vec<String>, r: &mut ChaCha8Rng| -> Option<Vec<&'static str>> {
        use rand::Rng;
        let i = r.random_range(0..ccomp.len());
        let old = row[0].clone();
        let cut = old.len().checked_sub(5)?;
        row[0] = format!("{}{}", &old[..cut], cents[i]);
        if row[0] == old {
            return None;
        }
        row[10] = ccomp[i].full();
        row[11] = ccomp[i].full();
        Some(vec!["注册备案人", "生产企业"])
    };
    let cv = versions::make(&CONSUMABLE_DEF, cc.table, &mut crng, Some(&mut crecode));
    write_versions(
        &mut out,
        &CONSUMABLE_DEF,
        &cv,
        &|o: &mut Out, v: &str, t: &Table| {
            o.csv(&format!("{v}/consumable.csv"), "consumable", v, t)?;
            if zips {
                let rel = format!("{v}/consumable_1306.zip");
                let n = write::zip_tsv(
                    &o.root.join(&rel),
                    "1306.txt",
                    t.rows.iter().map(|r| layouts::row_1306(r)),
                )?;
                o.add(&rel, "consumable", v, "zip_1306", n)?;
            }
            Ok(())
        },
    )?;
    changes.insert("consumable".to_string(), cv.counts.clone());
    let mut hrng = rng_for(spec.seed, "hospital_consumable");
    let src = cv.v1_src.clone();
    let company_of = |vi: usize| src.get(vi).and_then(|&s| cmeta.get(s)).map(|&c| c as usize);
    let hc = hospital::consumables(&mut hrng, &ccomp, &company_of, &cv.v1, s.hosp_consumable);
    hosp.insert(
        "consumable".to_string(),
        write_hospital(&mut out, "consumable", &hc, f.xlsx)?,
    );
    drop(cv);

    // 医疗服务项目.
    let mut srng = rng_for(spec.seed, "service");
    let st = service::build(&mut srng, s.service);
    let mut srecode = |row: &mut Vec<String>, r: &mut ChaCha8Rng| -> Option<Vec<&'static str>> {
        use rand::Rng;
        // A sub-item renumbered: same 9-digit 规范 code, another 细项.
        let old = row[0].clone();
        row[0] = format!(
            "{}{:02}{}",
            old.get(..11)?,
            r.random_range(20..99),
            old.get(13..)?
        );
        Some(vec![])
    };
    let sv = versions::make(&SERVICE_DEF, st, &mut srng, Some(&mut srecode));
    write_versions(
        &mut out,
        &SERVICE_DEF,
        &sv,
        &|o: &mut Out, v: &str, t: &Table| {
            if xl {
                o.xlsx(
                    &format!("{v}/service.xlsx"),
                    "service",
                    v,
                    "医疗服务项目",
                    &["医疗服务项目目录"],
                    t,
                )
            } else {
                o.csv(&format!("{v}/service.csv"), "service", v, t)
            }
        },
    )?;
    changes.insert("service".to_string(), sv.counts.clone());
    let mut hrng = rng_for(spec.seed, "hospital_service");
    let hs = hospital::services(&mut hrng, &sv.v1, s.hosp_service);
    hosp.insert(
        "service".to_string(),
        write_hospital(&mut out, "service", &hs, f.xlsx)?,
    );

    // ICD-10 医保版 diagnoses and ICD-9-CM-3 procedures (CSV).
    let icd_recode = |row: &mut Vec<String>, r: &mut ChaCha8Rng| -> Option<Vec<&'static str>> {
        use rand::Rng;
        let old = row[icd::CODE_COL].clone();
        // Both ICD layouts have a 7-character base (A00.000, 00.0100); an `x` before that is a placeholder digit.
        let base = old.get(..7)?.to_string();
        row[icd::CODE_COL] = format!("{base}x{:03}", r.random_range(500..999));
        Some(vec![])
    };
    let mut drng = rng_for(spec.seed, "diagnosis");
    let dt = icd::diagnoses(&mut drng, s.diagnosis);
    let mut rc = icd_recode;
    let dgv = versions::make(&DIAG_DEF, dt, &mut drng, Some(&mut rc));
    write_versions(
        &mut out,
        &DIAG_DEF,
        &dgv,
        &|o: &mut Out, v: &str, t: &Table| o.csv(&format!("{v}/diagnosis.csv"), "diagnosis", v, t),
    )?;
    changes.insert("diagnosis".to_string(), dgv.counts.clone());
    let mut hrng = rng_for(spec.seed, "hospital_diagnosis");
    let hdg = hospital::diagnoses(&mut hrng, &dgv.v1, s.hosp_diagnosis);
    hosp.insert(
        "diagnosis".to_string(),
        write_hospital(&mut out, "diagnosis", &hdg, f.xlsx)?,
    );

    let mut prng = rng_for(spec.seed, "procedure");
    let pt = icd::procedures(&mut prng, s.procedure);
    let mut rc2 = icd_recode;
    let pv = versions::make(&PROC_DEF, pt, &mut prng, Some(&mut rc2));
    write_versions(
        &mut out,
        &PROC_DEF,
        &pv,
        &|o: &mut Out, v: &str, t: &Table| o.csv(&format!("{v}/procedure.csv"), "procedure", v, t),
    )?;
    changes.insert("procedure".to_string(), pv.counts.clone());

    let mut herng = rng_for(spec.seed, "herbal");
    let ht = herbal::build(&mut herng, s.herbal);
    let hv = versions::make(&HERBAL_DEF, ht, &mut herng, None);
    write_versions(
        &mut out,
        &HERBAL_DEF,
        &hv,
        &|o: &mut Out, v: &str, t: &Table| o.csv(&format!("{v}/herbal.csv"), "herbal", v, t),
    )?;
    changes.insert("herbal".to_string(), hv.counts.clone());

    let manifest = Manifest {
        scale: spec.scale.name().to_string(),
        seed: spec.seed,
        sizes: s,
        files: out.files,
        changes,
        hospital: hosp,
    };
    let json = serde_json::to_string_pretty(&manifest)?;
    std::fs::write(root.join("manifest.json"), json + "\n")
        .with_context(|| format!("writing {}", root.join("manifest.json").display()))?;
    Ok(manifest)
}

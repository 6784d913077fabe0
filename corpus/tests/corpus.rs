//! Properties of a generated small corpus: codes valid and consistent with
//! their fields, change lists consistent with v1/v2, truth present in v1,
//! manifest counts right, same seed → same bytes.

use catalog_core::{Category, Standards};
use corpus::{generate, CorpusSpec, Formats, Scale};
use std::collections::{HashMap, HashSet};
use std::path::Path;

fn gen(dir: &Path, seed: u64) -> corpus::Manifest {
    generate(
        &CorpusSpec {
            scale: Scale::Small,
            seed,
            out: dir.to_path_buf(),
            formats: Formats::default(),
        },
        &|_, _| {},
    )
    .expect("small corpus generates")
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = match String::from_utf8(bytes.clone()) {
        Ok(t) => t,
        Err(_) => encoding_rs::GBK.decode(&bytes).0.into_owned(),
    };
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let h = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (h, rows)
}

fn col(h: &[String], name: &str) -> usize {
    h.iter()
        .position(|x| x == name)
        .unwrap_or_else(|| panic!("no column {name} in {h:?}"))
}

/// Header and rows of the first sheet, below any title rows.
fn read_xlsx(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    use calamine::{DataType, Reader};
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).unwrap();
    let mut rows = range
        .rows()
        .skip_while(|r| r.iter().filter(|c| !c.is_empty()).count() <= 2);
    let h = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    (
        h,
        rows.map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect(),
    )
}

fn codes(dir: &Path, file: &str, code_col: &str) -> HashSet<String> {
    let (h, rows) = if file.ends_with(".xlsx") {
        read_xlsx(&dir.join(file))
    } else {
        read_csv(&dir.join(file))
    };
    let c = col(&h, code_col);
    rows.into_iter().map(|r| r[c].clone()).collect()
}

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    manifest: corpus::Manifest,
}

fn fixture() -> &'static Fixture {
    static F: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("c");
        let manifest = gen(&dir, 1);
        Fixture {
            _tmp: tmp,
            dir,
            manifest,
        }
    })
}

#[test]
fn every_catalogue_code_passes_the_code_standards() {
    let f = fixture();
    let st = Standards::builtin();
    for (file, code_col, cat) in [
        ("v1/drug.csv", "药品代码", Category::Drug),
        ("v2/drug.csv", "药品代码", Category::Drug),
        ("v1/consumable.csv", "医用耗材代码", Category::Consumable),
        ("v2/consumable.csv", "医用耗材代码", Category::Consumable),
        ("v1/diagnosis.csv", "诊断代码", Category::Diagnosis),
        ("v1/diagnosis.csv", "临床版诊断代码", Category::Diagnosis),
        ("v2/diagnosis.csv", "诊断代码", Category::Diagnosis),
        ("v1/procedure.csv", "手术操作代码", Category::Procedure),
        ("v2/procedure.csv", "手术操作代码", Category::Procedure),
        ("v1/herbal.csv", "医疗目录编码", Category::Herbal),
        ("v1/service.xlsx", "项目编码", Category::Service),
        ("v2/service.xlsx", "项目编码", Category::Service),
    ] {
        let cs = codes(&f.dir, file, code_col);
        if code_col != "临床版诊断代码" {
            let (_, rows) = if file.ends_with(".xlsx") {
                read_xlsx(&f.dir.join(file))
            } else {
                read_csv(&f.dir.join(file))
            };
            assert_eq!(cs.len(), rows.len(), "{file}: duplicate codes");
        }
        assert!(cs.len() > 100, "{file}: only {} codes", cs.len());
        for c in cs {
            if let Err(e) = st.check_category(&c, cat) {
                panic!("{file} {code_col} {c}: {}", e.message);
            }
        }
    }
    // Service codes are in the xlsx; the hospital truth covers a sample of them.
    let (h, rows) = read_csv(&f.dir.join("hospital/service.labelled.csv"));
    let t = col(&h, "标准编码");
    for r in rows.iter().filter(|r| !r[t].is_empty()) {
        assert!(
            st.check_category(&r[t], Category::Service).is_ok(),
            "service {}",
            r[t]
        );
    }
}

#[test]
fn drug_code_segments_agree_with_fields() {
    let f = fixture();
    let (h, rows) = read_csv(&f.dir.join("v1/drug.csv"));
    let (code, name, form, spec, qty, unit, mfr, list_name) = (
        col(&h, "药品代码"),
        col(&h, "注册名称"),
        col(&h, "剂型"),
        col(&h, "规格"),
        col(&h, "最小包装数量"),
        col(&h, "最小包装单位"),
        col(&h, "生产企业"),
        col(&h, "医保药品名称"),
    );
    let mut name_code: HashMap<String, String> = HashMap::new();
    let mut generic_of_code: HashMap<String, String> = HashMap::new();
    let mut ent: HashMap<String, String> = HashMap::new();
    let mut form_code: HashMap<String, String> = HashMap::new();
    let mut specpack: HashMap<(String, String, String), String> = HashMap::new();
    for r in &rows {
        let c = &r[code];
        let x = c.starts_with('X');
        assert_eq!(c.len(), if x { 23 } else { 20 }, "{c}");
        let nc = if x { &c[6..10] } else { &c[6..11] };
        // Same registered name → same name code, and one name code → one name.
        assert_eq!(
            name_code
                .entry(r[name].clone())
                .or_insert_with(|| nc.to_string()),
            nc,
            "{}",
            r[name]
        );
        if !r[list_name].is_empty() {
            let g = r[list_name].clone();
            let key = format!("{}{nc}", &c[..1]);
            assert_eq!(
                generic_of_code.entry(key).or_insert_with(|| g.clone()),
                &g,
                "{c}"
            );
        }
        // One enterprise code per manufacturer.
        let e = &c[c.len() - 5..];
        assert_eq!(
            ent.entry(r[mfr].clone()).or_insert_with(|| e.to_string()),
            e,
            "{}",
            r[mfr]
        );
        if x {
            assert_eq!(
                form_code
                    .entry(r[form].clone())
                    .or_insert_with(|| c[10..14].to_string()),
                &c[10..14],
                "{}",
                r[form]
            );
        }
        // Same product family + spec + package → same spec/package digits.
        let fam = if x {
            c[..14].to_string()
        } else {
            c[..11].to_string()
        };
        let sp = if x { &c[14..18] } else { &c[11..15] };
        let k = (fam, r[spec].clone(), format!("{}{}", r[qty], r[unit]));
        assert_eq!(
            specpack.entry(k).or_insert_with(|| sp.to_string()),
            sp,
            "{c}"
        );
    }
    // Real classification: every class code is in the shipped drug_classes list or
    // comes from a real national code (drug_generics.csv rows marked real).
    let dicts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/dicts");
    let classes = std::fs::read_to_string(dicts.join("drug_classes.csv")).unwrap();
    let generics = std::fs::read_to_string(dicts.join("drug_generics.csv")).unwrap();
    for r in &rows {
        let cls = &r[code][..6];
        let real = format!("real,{},{},", &cls[..1], &cls[1..]);
        assert!(
            classes.lines().any(|l| l.starts_with(&format!("{cls},")))
                || generics.lines().any(|l| l.starts_with(&real)),
            "unknown class {cls}"
        );
    }
    // One 批准文号 owns several package variants somewhere.
    let a = col(&h, "批准文号");
    let mut per: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        *per.entry(&r[a]).or_insert(0) += 1;
        assert!(
            r[a].starts_with("国药准字") && r[a].len() == "国药准字".len() + 9,
            "{}",
            r[a]
        );
    }
    assert!(per.values().any(|&n| n >= 3));
}

#[test]
fn change_lists_agree_with_v1_and_v2() {
    let f = fixture();
    for (kind, v1f, v2f, code_col) in [
        ("drug", "v1/drug.csv", "v2/drug.csv", "药品代码"),
        (
            "consumable",
            "v1/consumable.csv",
            "v2/consumable.csv",
            "医用耗材代码",
        ),
        (
            "diagnosis",
            "v1/diagnosis.csv",
            "v2/diagnosis.csv",
            "诊断代码",
        ),
        (
            "procedure",
            "v1/procedure.csv",
            "v2/procedure.csv",
            "手术操作代码",
        ),
        ("herbal", "v1/herbal.csv", "v2/herbal.csv", "医疗目录编码"),
        ("service", "v1/service.xlsx", "v2/service.xlsx", "项目编码"),
    ] {
        let v1 = codes(&f.dir, v1f, code_col);
        let v2 = codes(&f.dir, v2f, code_col);
        let (_, ch) = read_csv(&f.dir.join(format!("changes/{kind}.csv")));
        let mut seen = HashSet::new();
        for r in &ch {
            let (code, change, old) = (&r[0], r[1].as_str(), &r[3]);
            assert!(seen.insert(code.clone()), "{kind}: {code} listed twice");
            match change {
                "added" => assert!(
                    !v1.contains(code) && v2.contains(code),
                    "{kind} added {code}"
                ),
                "removed" => assert!(
                    v1.contains(code) && !v2.contains(code),
                    "{kind} removed {code}"
                ),
                "recoded" => {
                    assert!(
                        v1.contains(old) && !v2.contains(old),
                        "{kind} recoded old {old}"
                    );
                    assert!(
                        !v1.contains(code) && v2.contains(code),
                        "{kind} recoded new {code}"
                    );
                }
                "deactivated" | "changed" => {
                    assert!(
                        v1.contains(code) && v2.contains(code),
                        "{kind} {change} {code}"
                    );
                    assert!(!r[2].is_empty(), "{kind} {change} {code} has no fields");
                }
                other => panic!("{kind}: unknown change {other}"),
            }
        }
        // A listed field really differs between v1 and v2 (not just in spelling).
        if v1f.ends_with(".csv") {
            let keys: &[&str] = match kind {
                "drug" => corpus::drug::KEYS,
                "consumable" => corpus::consumable::KEYS,
                "diagnosis" => corpus::icd::DIAG_KEYS,
                "procedure" => corpus::icd::PROC_KEYS,
                _ => corpus::herbal::KEYS,
            };
            let (h1, rows1) = read_csv(&f.dir.join(v1f));
            let (_, rows2) = read_csv(&f.dir.join(v2f));
            let c = col(&h1, code_col);
            let by1: HashMap<&str, &Vec<String>> =
                rows1.iter().map(|r| (r[c].as_str(), r)).collect();
            let by2: HashMap<&str, &Vec<String>> =
                rows2.iter().map(|r| (r[c].as_str(), r)).collect();
            for r in ch.iter().filter(|r| r[1] == "changed") {
                let (a, b) = (by1[r[0].as_str()], by2[r[0].as_str()]);
                for k in r[2].split(';') {
                    let i = keys
                        .iter()
                        .position(|x| *x == k)
                        .unwrap_or_else(|| panic!("{kind}: key {k}"));
                    use catalog_core::normalize::clean_text;
                    let same = match (
                        a[i].parse::<rust_decimal::Decimal>(),
                        b[i].parse::<rust_decimal::Decimal>(),
                    ) {
                        (Ok(x), Ok(y)) => x == y,
                        _ => clean_text(&a[i]) == clean_text(&b[i]),
                    };
                    assert!(
                        !same,
                        "{kind} {} field {k} listed as changed but equal: {} / {}",
                        r[0], a[i], b[i]
                    );
                }
            }
        }
        let expected: &[&str] = if kind == "herbal" {
            &["added", "removed", "changed"]
        } else {
            &["added", "removed", "changed", "recoded"]
        };
        for kind_seen in expected {
            assert!(
                ch.iter().any(|r| r[1] == *kind_seen),
                "{kind}: no {kind_seen} rows"
            );
        }
        // Every field key named is a field of the category.
        let cat: Category = kind.parse().unwrap();
        let keys: Vec<&str> = catalog_core::field_specs(cat)
            .iter()
            .map(|s| s.key)
            .collect();
        for r in &ch {
            for k in r[2]
                .split(';')
                .filter(|k| !k.is_empty() && !k.starts_with("extra."))
            {
                assert!(keys.contains(&k), "{kind}: field {k} not in field_specs");
            }
        }
        // Noise rows touch codes that are not otherwise changed.
        let (_, noise) = read_csv(&f.dir.join(format!("changes/{kind}.noise.csv")));
        for r in &noise {
            assert!(
                !seen.contains(&r[0]),
                "{kind}: noise on changed row {}",
                r[0]
            );
            assert_ne!(r[3], r[4]);
            // …and are no-ops under the shared normalisation (or as money).
            if r[2] == "money_format" {
                let (a, b): (rust_decimal::Decimal, rust_decimal::Decimal) =
                    (r[3].parse().unwrap(), r[4].parse().unwrap());
                assert_eq!(a, b, "{kind} {}", r[0]);
            } else {
                use catalog_core::normalize::clean_text;
                assert_eq!(clean_text(&r[3]), clean_text(&r[4]), "{kind} {}", r[0]);
            }
        }
        assert!(
            !noise.is_empty() || kind == "herbal",
            "{kind}: no noise rows"
        );
    }
}

#[test]
fn hospital_truth_exists_in_v1_and_some_items_have_none() {
    let f = fixture();
    for (kind, v1f, code_col) in [
        ("drug", "v1/drug.csv", "药品代码"),
        ("consumable", "v1/consumable.csv", "医用耗材代码"),
        ("diagnosis", "v1/diagnosis.csv", "诊断代码"),
    ] {
        let v1 = codes(&f.dir, v1f, code_col);
        let (h, rows) = read_csv(&f.dir.join(format!("hospital/{kind}.labelled.csv")));
        let t = col(&h, "标准编码");
        let empty = rows.iter().filter(|r| r[t].is_empty()).count();
        assert!(
            empty > 0 && empty * 5 < rows.len(),
            "{kind}: {empty} of {} without truth",
            rows.len()
        );
        for r in rows.iter().filter(|r| !r[t].is_empty()) {
            assert!(v1.contains(&r[t]), "{kind}: truth {} not in v1", r[t]);
        }
        let stats = &f.manifest.hospital[kind];
        assert_eq!(stats.items as usize, rows.len());
        assert_eq!(stats.without_truth as usize, empty);
    }
    let p = &f.manifest.hospital["drug"].perturbations;
    for k in [
        "trade_name",
        "spec_in_name",
        "manufacturer_abbrev",
        "approval_missing",
        "no_counterpart",
        "separator_variant",
    ] {
        assert!(
            p.get(k).copied().unwrap_or(0) > 0,
            "drug perturbation {k} never applied: {p:?}"
        );
    }
}

#[test]
fn manifest_row_counts_equal_file_row_counts() {
    let f = fixture();
    let mut checked = 0;
    for e in &f.manifest.files {
        let p = f.dir.join(&e.path);
        assert_eq!(std::fs::metadata(&p).unwrap().len(), e.bytes, "{}", e.path);
        if e.format.starts_with("csv") {
            assert_eq!(read_csv(&p).1.len() as u64, e.rows, "{}", e.path);
            checked += 1;
        } else if e.format.starts_with("zip") {
            let mut z = zip::ZipArchive::new(std::fs::File::open(&p).unwrap()).unwrap();
            let mut s = String::new();
            std::io::Read::read_to_string(&mut z.by_index(0).unwrap(), &mut s).unwrap();
            assert_eq!(s.lines().count() as u64, e.rows, "{}", e.path);
            let width = if e.format == "zip_1301" { 92 } else { 71 };
            assert!(
                s.lines().all(|l| l.split('\t').count() == width),
                "{}",
                e.path
            );
            checked += 1;
        } else if e.format == "xlsx" {
            use calamine::{DataType, Reader};
            let mut wb = calamine::open_workbook_auto(&p).unwrap();
            let sheet = wb.sheet_names()[0].clone();
            let range = wb.worksheet_range(&sheet).unwrap();
            let header_row = range
                .rows()
                .position(|r| r.iter().filter(|c| !c.is_empty()).count() > 2)
                .unwrap();
            assert_eq!(
                (range.height() - header_row - 1) as u64,
                e.rows,
                "{}",
                e.path
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} files checked");
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let f = fixture();
    let tmp = tempfile::tempdir().unwrap();
    let again = tmp.path().join("again");
    let m2 = gen(&again, 1);
    assert_eq!(m2, f.manifest);
    for e in &f.manifest.files {
        let a = std::fs::read(f.dir.join(&e.path)).unwrap();
        let b = std::fs::read(again.join(&e.path)).unwrap();
        assert!(
            a == b,
            "{} differs between two runs with the same seed",
            e.path
        );
    }
    assert_eq!(
        std::fs::read(f.dir.join("manifest.json")).unwrap(),
        std::fs::read(again.join("manifest.json")).unwrap()
    );
    let other = tmp.path().join("other");
    gen(&other, 2);
    for file in [
        "v1/drug.csv",
        "v1/consumable.csv",
        "hospital/drug.labelled.csv",
    ] {
        assert_ne!(
            std::fs::read(f.dir.join(file)).unwrap(),
            std::fs::read(other.join(file)).unwrap(),
            "{file}"
        );
    }
}

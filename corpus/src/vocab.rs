//! Vocabulary the generators draw from: real public rows shipped in data/dicts
//! (so generation never needs ../shared) plus word lists for the parts no
//! public file gives (manufacturer names, materials, procedure wording).

use rand::seq::IndexedRandom;
use rand::Rng;

pub const DRUG_GENERICS: &str = include_str!("../../data/dicts/drug_generics.csv");
pub const DRUG_CLASSES: &str = include_str!("../../data/dicts/drug_classes.csv");
pub const CONSUMABLE_CLASSES: &str = include_str!("../../data/dicts/consumable_classes.csv");
pub const DIAGNOSIS_CATEGORIES: &str = include_str!("../../data/dicts/diagnosis_categories.csv");
pub const SERVICE_CLASSES: &str = include_str!("../../data/dicts/service_classes.csv");
pub const SERVICE_ITEMS: &str = include_str!("../../data/dicts/service_items.csv");
pub const HERBS: &str = include_str!("../../data/dicts/herbs.csv");

/// Rows of an embedded CSV (header skipped). The files are ours, so a
/// malformed line is skipped rather than reported.
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    r.records()
        .filter_map(|x| x.ok())
        .map(|rec| rec.iter().map(|s| s.trim().to_string()).collect())
        .collect()
}

/// Name of a class code from drug_classes.csv (exact key).
pub fn class_names(text: &str) -> std::collections::HashMap<String, String> {
    csv_rows(text)
        .into_iter()
        .filter(|r| r.len() >= 2)
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect()
}

/// First pinyin letter of a Chinese text (upper case), skipping non-Han characters.
pub fn pinyin_initial(s: &str) -> char {
    use pinyin::ToPinyin;
    for p in s.to_pinyin().flatten() {
        if let Some(c) = p.first_letter().chars().next() {
            return c.to_ascii_uppercase();
        }
    }
    s.chars()
        .find(|c| c.is_ascii_alphabetic())
        .map_or('X', |c| c.to_ascii_uppercase())
}

/// Pinyin initials of every Han character (`阿莫西林胶囊` → `AMXLJN`), what HIS clerks type.
pub fn pinyin_initials(s: &str) -> String {
    use pinyin::ToPinyin;
    s.to_pinyin()
        .zip(s.chars())
        .filter_map(|(p, c)| match p {
            Some(p) => p
                .first_letter()
                .chars()
                .next()
                .map(|x| x.to_ascii_uppercase()),
            None if c.is_ascii_alphanumeric() => Some(c.to_ascii_uppercase()),
            None => None,
        })
        .collect()
}

pub const REGIONS: &[&str] = &[
    "北京",
    "上海",
    "天津",
    "重庆",
    "广东",
    "广州",
    "深圳",
    "珠海",
    "浙江",
    "杭州",
    "江苏",
    "南京",
    "苏州",
    "山东",
    "济南",
    "青岛",
    "四川",
    "成都",
    "湖南",
    "长沙",
    "湖北",
    "武汉",
    "河南",
    "郑州",
    "河北",
    "石家庄",
    "山西",
    "陕西",
    "西安",
    "辽宁",
    "沈阳",
    "吉林",
    "长春",
    "黑龙江",
    "哈尔滨",
    "安徽",
    "合肥",
    "福建",
    "厦门",
    "江西",
    "南昌",
    "广西",
    "云南",
    "昆明",
    "贵州",
    "海南",
    "甘肃",
    "兰州",
    "内蒙古",
    "新疆",
    "宁夏",
    "青海",
];
const CORE_A: &[&str] = &[
    "华", "康", "恒", "瑞", "海", "正", "信", "远", "天", "方", "仁", "济", "泰", "安", "福", "德",
    "金", "新", "中", "同", "益", "博", "亚", "宝", "鼎", "联", "神", "万", "汇", "九", "太", "圣",
    "普", "美", "科", "云",
];
const CORE_B: &[&str] = &[
    "康", "润", "生", "源", "宁", "和", "达", "盛", "元", "邦", "诺", "威", "丰", "光", "辰", "力",
    "健", "峰", "隆", "泽", "欣", "禾", "星", "通", "嘉", "鑫", "朗", "华", "越", "众", "晖", "明",
];
const DRUG_TRADES: &[&str] = &["制药", "药业", "生物制药", "医药", "制药厂", "生化制药"];
const DEVICE_TRADES: &[&str] = &[
    "医疗器械",
    "医疗科技",
    "生物材料",
    "医用材料",
    "医疗用品",
    "生物医学工程",
];
const FORMS: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "(集团)股份有限公司",
    "(集团)有限公司",
];
pub const FOREIGN: &[&str] = &[
    "美敦力公司",
    "强生(中国)医疗器材有限公司",
    "波士顿科学国际有限公司",
    "雅培医疗器械公司",
    "史赛克公司",
    "贝朗医疗有限公司",
    "辉瑞制药有限公司",
    "阿斯利康制药有限公司",
    "诺华制药有限公司",
    "默沙东制药有限公司",
    "赛诺菲(杭州)制药有限公司",
    "拜耳医药保健有限公司",
    "葛兰素史克制药有限公司",
    "罗氏制药有限公司",
    "礼来苏州制药有限公司",
    "诺和诺德(中国)制药有限公司",
];

/// A company with its name parts kept, so hospitals' abbreviations can be derived.
#[derive(Clone, Debug)]
pub struct Company {
    pub region: String,
    pub core: String,
    pub trade: String,
    pub form: String,
    pub branch: String,
    /// 5-digit enterprise code used in drug and consumable codes.
    pub ent: String,
}

impl Company {
    pub fn full(&self) -> String {
        format!(
            "{}{}{}{}{}",
            self.region, self.core, self.trade, self.form, self.branch
        )
    }
    /// The ways HIS dictionaries shorten a company name.
    pub fn abbreviations(&self) -> Vec<String> {
        let mut v = vec![
            format!("{}{}{}", self.region, self.core, self.trade),
            format!("{}{}", self.core, self.trade),
            format!("{}{}", self.region, self.core),
        ];
        if self.form.contains("集团") {
            v.push(format!("{}{}{}集团", self.region, self.core, self.trade));
        }
        if self.core.chars().count() >= 2 {
            v.push(self.core.clone());
        }
        v
    }
}

/// `n` distinct companies with distinct 5-digit codes; `device` picks device trade words.
pub fn companies(rng: &mut impl Rng, n: usize, device: bool, ent_base: u32) -> Vec<Company> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    let trades = if device { DEVICE_TRADES } else { DRUG_TRADES };
    let mut guard = 0;
    while out.len() < n && guard < n * 50 {
        guard += 1;
        let region = REGIONS.choose(rng).copied().unwrap_or("北京");
        let a = CORE_A.choose(rng).copied().unwrap_or("华");
        let b = CORE_B.choose(rng).copied().unwrap_or("康");
        if a == b {
            continue;
        }
        let core = if rng.random_bool(0.15) {
            format!("{a}{b}{}", CORE_B.choose(rng).copied().unwrap_or("生"))
        } else {
            format!("{a}{b}")
        };
        let trade = trades.choose(rng).copied().unwrap_or("制药").to_string();
        let form = FORMS.choose(rng).copied().unwrap_or("有限公司").to_string();
        let branch = if rng.random_bool(0.06) {
            format!("{}分公司", REGIONS.choose(rng).copied().unwrap_or("中山"))
        } else {
            String::new()
        };
        let c = Company {
            region: region.to_string(),
            core,
            trade,
            form,
            branch,
            ent: String::new(),
        };
        if seen.insert(c.full()) {
            out.push(c);
        }
    }
    // Codes: a stable permutation-like spread so neighbouring companies do not get neighbouring codes.
    for (i, c) in out.iter_mut().enumerate() {
        c.ent = format!(
            "{:05}",
            (ent_base as u64 + (i as u64 * 7919) % 99_000) % 100_000
        );
    }
    out
}

/// Dosage forms: (name, code, minimal unit, 医保剂型 group, HIS synonyms).
pub const DOSAGE_FORMS: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "片",
        "A001",
        "片",
        "口服常释剂型",
        &["片剂", "普通片", "素片"],
    ),
    (
        "薄膜衣片",
        "A002",
        "片",
        "口服常释剂型",
        &["片", "片剂", "薄膜片"],
    ),
    (
        "舌下片",
        "A003",
        "片",
        "口服常释剂型",
        &["片剂", "舌下含片"],
    ),
    (
        "分散片",
        "A006",
        "片",
        "口服常释剂型",
        &["片剂", "分散片剂"],
    ),
    ("阴道片", "A008", "片", "阴道片", &["片剂", "阴道用片"]),
    ("泡腾片", "A009", "片", "泡腾片", &["片剂", "泡腾片剂"]),
    (
        "阴道泡腾片",
        "A009",
        "片",
        "阴道泡腾片",
        &["泡腾片", "阴道片"],
    ),
    (
        "缓释片",
        "A010",
        "片",
        "缓释控释剂型",
        &["缓释片剂", "片(缓释)"],
    ),
    (
        "肠溶片",
        "A012",
        "片",
        "口服常释剂型",
        &["肠溶片剂", "片(肠溶)"],
    ),
    (
        "肠溶缓释片",
        "A013",
        "片",
        "缓释控释剂型",
        &["缓释片", "肠溶片"],
    ),
    ("咀嚼片", "A019", "片", "咀嚼片", &["片剂", "嚼片"]),
    (
        "口崩片",
        "A022",
        "片",
        "口腔崩解片",
        &["口腔崩解片", "片剂"],
    ),
    (
        "注射用",
        "B001",
        "瓶",
        "注射剂",
        &["粉针", "粉针剂", "冻干粉针", "注射剂"],
    ),
    (
        "注射液",
        "B002",
        "支",
        "注射剂",
        &["注射剂", "针剂", "水针"],
    ),
    ("乳状注射液", "B003", "瓶", "注射剂", &["注射液", "注射剂"]),
    (
        "中/长链脂肪乳注射液",
        "B004",
        "瓶",
        "注射剂",
        &["注射液", "注射剂"],
    ),
    ("栓", "D001", "粒", "栓剂", &["栓剂", "肛栓"]),
    ("阴道栓", "D003", "粒", "阴道栓", &["栓剂", "栓"]),
    ("阴道膨胀栓", "D009", "粒", "阴道栓", &["栓剂", "阴道栓"]),
    ("胶囊", "E001", "粒", "口服常释剂型", &["胶囊剂", "硬胶囊"]),
    ("软胶囊", "E002", "粒", "口服常释剂型", &["胶囊", "胶丸"]),
    (
        "缓释胶囊",
        "E003",
        "粒",
        "缓释控释剂型",
        &["胶囊(缓释)", "缓释胶囊剂"],
    ),
    (
        "肠溶胶囊",
        "E005",
        "粒",
        "口服常释剂型",
        &["胶囊", "胶囊(肠溶)"],
    ),
    (
        "阴道软胶囊",
        "E009",
        "粒",
        "阴道软胶囊",
        &["软胶囊", "胶囊"],
    ),
    (
        "阴道用软胶囊",
        "E009",
        "粒",
        "阴道软胶囊",
        &["软胶囊", "胶囊"],
    ),
    ("乳膏", "F002", "支", "乳膏剂", &["软膏", "乳膏剂", "霜剂"]),
    ("滴丸", "H002", "丸", "滴丸剂", &["丸剂", "滴丸剂"]),
    ("糖浆", "K001", "瓶", "糖浆剂", &["糖浆剂", "合剂"]),
    (
        "鼻喷雾剂",
        "L025",
        "支",
        "鼻用喷雾剂",
        &["喷雾剂", "鼻喷剂"],
    ),
    ("颗粒", "N001", "袋", "颗粒剂", &["颗粒剂", "冲剂"]),
    ("散", "P001", "袋", "散剂", &["散剂", "粉剂"]),
    ("凝胶", "U001", "支", "凝胶剂", &["凝胶剂", "胶浆"]),
    (
        "口服溶液",
        "X001",
        "瓶",
        "口服液体剂",
        &["口服液", "溶液剂"],
    ),
    (
        "混悬液",
        "X002",
        "瓶",
        "口服液体剂",
        &["口服混悬液", "混悬剂"],
    ),
    (
        "干混悬剂",
        "X006",
        "袋",
        "口服液体剂",
        &["混悬剂", "干悬剂"],
    ),
];

pub fn dosage_form(
    name: &str,
) -> Option<&'static (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
)> {
    DOSAGE_FORMS.iter().find(|f| f.0 == name)
}

pub const PACK_MATERIALS: &[&str] = &[
    "铝塑泡罩包装",
    "聚氯乙烯固体药用硬片/药用铝箔",
    "口服固体药用高密度聚乙烯瓶",
    "中硼硅玻璃管制注射剂瓶",
    "低硼硅玻璃安瓿",
    "复合膜袋",
    "药用铝箔",
    "玻璃输液瓶",
    "非PVC多层共挤输液用膜",
    "铝管",
];

pub const CONSUMABLE_MATERIALS: &[(&str, &str)] = &[
    ("01", "不锈钢"),
    ("02", "钛合金"),
    ("03", "钴铬合金"),
    ("04", "镍钛合金"),
    ("05", "聚乙烯"),
    ("06", "聚氨酯"),
    ("07", "硅橡胶"),
    ("08", "聚氯乙烯"),
    ("09", "聚丙烯"),
    ("10", "聚醚醚酮"),
    ("11", "医用高分子材料"),
    ("12", "聚四氟乙烯"),
    ("13", "尼龙"),
    ("14", "聚乳酸"),
    ("15", "胶原蛋白"),
    ("16", "羟基磷灰石"),
    ("17", "医用脱脂棉"),
    ("18", "天然乳胶"),
];

pub const SERVICE_UNITS: &[&str] = &[
    "次",
    "项",
    "每部位",
    "日",
    "小时",
    "例",
    "个",
    "床日",
    "单侧",
    "每个视野",
    "每穴位",
    "每牙",
];

/// ICD-10 chapters: (roman, first code, last code, name).
pub const ICD10_CHAPTERS: &[(&str, &str, &str, &str)] = &[
    ("1", "A00", "B99", "某些传染病和寄生虫病"),
    ("2", "C00", "D48", "肿瘤"),
    (
        "3",
        "D50",
        "D89",
        "血液及造血器官疾病和某些涉及免疫机制的疾患",
    ),
    ("4", "E00", "E90", "内分泌、营养和代谢疾病"),
    ("5", "F00", "F99", "精神和行为障碍"),
    ("6", "G00", "G99", "神经系统疾病"),
    ("7", "H00", "H59", "眼和附器疾病"),
    ("8", "H60", "H95", "耳和乳突疾病"),
    ("9", "I00", "I99", "循环系统疾病"),
    ("10", "J00", "J99", "呼吸系统疾病"),
    ("11", "K00", "K93", "消化系统疾病"),
    ("12", "L00", "L99", "皮肤和皮下组织疾病"),
    ("13", "M00", "M99", "肌肉骨骼系统和结缔组织疾病"),
    ("14", "N00", "N99", "泌尿生殖系统疾病"),
    ("15", "O00", "O99", "妊娠、分娩和产褥期"),
    ("16", "P00", "P96", "起源于围生期的某些情况"),
    ("17", "Q00", "Q99", "先天性畸形、变形和染色体异常"),
    (
        "18",
        "R00",
        "R99",
        "症状、体征和临床与实验室异常所见，不可归类在他处者",
    ),
    ("19", "S00", "T98", "损伤、中毒和外因的某些其他后果"),
    ("20", "V01", "Y98", "疾病和死亡的外因"),
    ("21", "Z00", "Z99", "影响健康状态和与保健机构接触的因素"),
    ("22", "U00", "U99", "用于特殊目的的编码"),
];

pub const DIAG_QUALIFIERS: &[&str] = &[
    "急性",
    "慢性",
    "复发性",
    "轻度",
    "中度",
    "重度",
    "双侧",
    "单侧",
    "左侧",
    "右侧",
    "继发性",
    "原发性",
    "先天性",
    "妊娠期",
    "儿童",
    "老年性",
    "术后",
    "外伤性",
    "药物性",
    "感染性",
    "非特异性",
    "局限性",
    "弥漫性",
    "难治性",
];
pub const DIAG_SUFFIXES: &[&str] = &[
    "",
    "伴出血",
    "伴感染",
    "伴并发症",
    "不伴并发症",
    "急性发作",
    "稳定期",
    "未特指",
    "伴梗阻",
    "伴穿孔",
    "早期",
    "晚期",
];

/// ICD-9-CM-3 chapters: (first category, last category, chapter name, body sites).
pub const ICD9_CHAPTERS: &[(u32, u32, &str, &[&str])] = &[
    (
        0,
        0,
        "操作和介入，不能分类于他处",
        &["头颈部血管", "心脏血管", "周围血管", "脑血管", "冠状动脉"],
    ),
    (
        1,
        5,
        "神经系统手术",
        &[
            "颅骨",
            "脑膜",
            "脑室",
            "脊髓",
            "脊神经根",
            "周围神经",
            "交感神经",
            "颅内血肿",
        ],
    ),
    (
        6,
        7,
        "内分泌系统手术",
        &["甲状腺", "甲状旁腺", "肾上腺", "垂体", "胸腺"],
    ),
    (
        8,
        16,
        "眼手术",
        &[
            "眼睑",
            "泪囊",
            "结膜",
            "角膜",
            "虹膜",
            "晶状体",
            "视网膜",
            "玻璃体",
            "眼眶",
        ],
    ),
    (
        18,
        20,
        "耳手术",
        &["外耳道", "鼓膜", "中耳", "内耳", "乳突"],
    ),
    (
        21,
        29,
        "鼻、口、咽手术",
        &[
            "鼻中隔",
            "鼻窦",
            "扁桃体",
            "腺样体",
            "舌",
            "腭",
            "唾液腺",
            "咽",
        ],
    ),
    (
        30,
        34,
        "呼吸系统手术",
        &["喉", "气管", "支气管", "肺叶", "肺段", "胸膜", "纵隔"],
    ),
    (
        35,
        39,
        "心血管系统手术",
        &[
            "二尖瓣",
            "主动脉瓣",
            "房间隔",
            "室间隔",
            "冠状动脉",
            "颈动脉",
            "股动脉",
            "大隐静脉",
        ],
    ),
    (
        40,
        41,
        "血液和淋巴系统手术",
        &["淋巴结", "脾", "骨髓", "胸导管"],
    ),
    (
        42,
        54,
        "消化系统手术",
        &[
            "食管",
            "胃",
            "十二指肠",
            "小肠",
            "结肠",
            "直肠",
            "肛门",
            "肝",
            "胆囊",
            "胆管",
            "胰腺",
            "阑尾",
            "腹壁",
            "腹膜",
        ],
    ),
    (
        55,
        59,
        "泌尿系统手术",
        &["肾", "输尿管", "膀胱", "尿道", "肾盂"],
    ),
    (
        60,
        64,
        "男性生殖器官手术",
        &["前列腺", "睾丸", "精索", "附睾", "阴茎"],
    ),
    (
        65,
        71,
        "女性生殖器官手术",
        &["卵巢", "输卵管", "子宫", "宫颈", "阴道", "外阴"],
    ),
    (72, 75, "产科操作", &["子宫下段", "胎儿", "胎盘", "会阴"]),
    (
        76,
        84,
        "肌肉骨骼系统手术",
        &[
            "股骨",
            "胫骨",
            "肱骨",
            "桡骨",
            "脊柱",
            "髋关节",
            "膝关节",
            "肩关节",
            "肌腱",
            "韧带",
        ],
    ),
    (
        85,
        86,
        "体被系统手术",
        &["乳房", "皮肤", "皮下组织", "指甲"],
    ),
    (
        87,
        99,
        "诊断性和治疗性操作",
        &[
            "胸部",
            "腹部",
            "头部",
            "心脏",
            "血管",
            "泌尿道",
            "消化道",
            "全身",
        ],
    ),
];
pub const PROC_VERBS: &[&str] = &[
    "切开术",
    "切除术",
    "部分切除术",
    "根治性切除术",
    "修补术",
    "成形术",
    "重建术",
    "活组织检查",
    "引流术",
    "探查术",
    "置管术",
    "造影",
    "内镜下切除术",
    "腹腔镜下切除术",
    "置换术",
    "固定术",
    "松解术",
    "吻合术",
    "移植术",
    "病损切除术",
    "穿刺术",
    "栓塞术",
    "支架置入术",
    "球囊扩张术",
    "射频消融术",
    "缝合术",
];

pub fn pick<'a, T>(rng: &mut impl Rng, v: &'a [T]) -> &'a T {
    // Lists here are non-empty constants; an empty one would be a programming error caught by tests.
    &v[rng
        .random_range(0..v.len().max(1))
        .min(v.len().saturating_sub(1))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn pinyin_initials_are_what_clerks_type() {
        assert_eq!(pinyin_initials("阿莫西林胶囊"), "AMXLJN");
        assert_eq!(pinyin_initial("盐酸二甲双胍"), 'Y');
        assert_eq!(pinyin_initials("维生素B6片"), "WSSB6P");
    }

    #[test]
    fn companies_have_distinct_names_and_codes_and_abbreviations_drop_the_legal_form() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let cs = companies(&mut rng, 500, false, 100);
        assert_eq!(cs.len(), 500);
        let names: std::collections::HashSet<_> = cs.iter().map(|c| c.full()).collect();
        let codes: std::collections::HashSet<_> = cs.iter().map(|c| c.ent.clone()).collect();
        assert_eq!((names.len(), codes.len()), (500, 500));
        for c in &cs {
            assert_eq!(c.ent.len(), 5);
            for a in c.abbreviations() {
                assert!(!a.contains("有限公司") && !a.is_empty(), "{a}");
            }
        }
    }
}

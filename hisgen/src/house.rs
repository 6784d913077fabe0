//! Hospital-only items: 院内制剂 with a provincial 医疗机构制剂 number, and
//! locally made service or consumable items. Nothing national is them, so
//! their truth is empty and any high-tier answer is a false high.

use crate::noise::pick;
use crate::tables::{HOUSE_FORMS, HOUSE_STEMS, PROVINCE_SHORT};
use crate::Row;
use catalog_core::{Category, Entry};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub fn spell(rng: &mut ChaCha8Rng, category: Category, pool: &[&Entry], i: usize) -> Option<Row> {
    let mut row = Row {
        key: "无".into(),
        slips: vec!["no_counterpart"],
        ..Row::default()
    };
    match category {
        Category::Drug | Category::Preparation => {
            let name = format!(
                "{}{}{}",
                pick(rng, HOUSE_STEMS),
                pick(rng, HOUSE_STEMS),
                pick(rng, HOUSE_FORMS)
            );
            row.name = name;
            row.category_word = "中成药".into();
            row.spec = format!("{}ml/瓶", [100, 150, 200, 250][i % 4]);
            row.maker = "本院制剂室".into();
            row.approval_no = format!(
                "{}药制字Z{}{:04}",
                pick(rng, PROVINCE_SHORT),
                rng.random_range(2005..2024),
                rng.random_range(1..9999)
            );
            row.unit = "瓶".into();
            row.key = "批准文号".into();
        }
        Category::Consumable => {
            // A real generic name, but a maker and model nothing national has.
            let e = pool.get(rng.random_range(0..pool.len().max(1)))?;
            row.name = format!("{}(院内分装)", e.name);
            row.category_word = "耗材".into();
            row.spec = format!("YN-{:04}", rng.random_range(1..9999));
            row.maker = "本院供应室".into();
        }
        Category::Service => {
            row.name = format!("{}特色护理(院内项目)", pick(rng, HOUSE_STEMS));
            row.category_word = "诊疗项目".into();
            row.unit = "次".into();
        }
        _ => return None,
    }
    Some(row)
}

//! `Deserialize` for [`Detail`]: the `kind` tag is read first and the rest of
//! the object goes straight into that variant's struct. Rows written by mulu
//! always put `kind` first; any other order is still accepted, through a
//! buffered `serde_json::Value` (slower, same result).

use crate::entry::{
    ConsumableInfo, CrosswalkInfo, Detail, DrugInfo, HerbalInfo, IcdInfo, ListInfo, ServiceInfo,
};
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

const KINDS: &[&str] = &[
    "drug",
    "herbal",
    "preparation",
    "consumable",
    "service",
    "diagnosis",
    "procedure",
    "reimbursement",
    "negotiated",
    "crosswalk",
];

/// Build the variant named `kind` from a deserializer of the remaining fields.
fn variant<'de, D: Deserializer<'de>>(kind: &str, rest: D) -> Result<Detail, D::Error> {
    Ok(match kind {
        "drug" => Detail::Drug(DrugInfo::deserialize(rest)?),
        "herbal" => Detail::Herbal(HerbalInfo::deserialize(rest)?),
        "preparation" => Detail::Preparation(DrugInfo::deserialize(rest)?),
        "consumable" => Detail::Consumable(ConsumableInfo::deserialize(rest)?),
        "service" => Detail::Service(ServiceInfo::deserialize(rest)?),
        "diagnosis" => Detail::Diagnosis(IcdInfo::deserialize(rest)?),
        "procedure" => Detail::Procedure(IcdInfo::deserialize(rest)?),
        "reimbursement" => Detail::Reimbursement(ListInfo::deserialize(rest)?),
        "negotiated" => Detail::Negotiated(ListInfo::deserialize(rest)?),
        "crosswalk" => Detail::Crosswalk(CrosswalkInfo::deserialize(rest)?),
        other => return Err(de::Error::unknown_variant(other, KINDS)),
    })
}

struct DetailVisitor;

impl<'de> Visitor<'de> for DetailVisitor {
    type Value = Detail;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a catalogue detail object with a \"kind\" field")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Detail, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Err(de::Error::missing_field("kind"));
        };
        if first == "kind" {
            let kind: String = map.next_value()?;
            return variant(&kind, MapAccessDeserializer::new(map));
        }
        // Tag elsewhere: buffer the object, then take the tag out of it.
        let mut obj = serde_json::Map::new();
        obj.insert(first, map.next_value()?);
        while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
            obj.insert(k, v);
        }
        let kind = match obj.remove("kind") {
            Some(serde_json::Value::String(k)) => k,
            Some(_) => return Err(de::Error::custom("\"kind\" must be a string")),
            None => return Err(de::Error::missing_field("kind")),
        };
        variant(&kind, serde_json::Value::Object(obj)).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Detail {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(DetailVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::category::Category;
    use crate::entry::{Entry, FieldValue};
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[test]
    fn every_kind_round_trips() {
        for c in Category::ALL {
            let mut d = Detail::empty(c);
            for s in crate::entry::field_specs(c) {
                let v = match s.kind {
                    crate::entry::FieldKind::Money => {
                        FieldValue::Money(Decimal::from_str("12.50").unwrap())
                    }
                    crate::entry::FieldKind::Date => {
                        FieldValue::Date(chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap())
                    }
                    _ => FieldValue::Text(format!("{}值", s.key)),
                };
                d.set(s.key, v);
            }
            let e = Entry::new("C1", "名", d);
            let json = serde_json::to_string(&e).unwrap();
            let back: Entry = serde_json::from_str(&json).unwrap();
            assert_eq!(back, e, "{c}");
        }
    }

    #[test]
    fn tag_anywhere_unknown_fields_and_bad_kinds() {
        let late: Detail = serde_json::from_str(r#"{"spec":"0.25g","x":1,"kind":"drug"}"#).unwrap();
        let early: Detail =
            serde_json::from_str(r#"{"kind":"drug","x":1,"spec":"0.25g"}"#).unwrap();
        assert_eq!(late.category(), Category::Drug);
        let spec = |d: Detail| Entry::new("X", "n", d).field("spec");
        assert_eq!(spec(late), FieldValue::Text("0.25g".into()));
        assert_eq!(spec(early), FieldValue::Text("0.25g".into()));
        let err = serde_json::from_str::<Detail>(r#"{"kind":"potion"}"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown variant `potion`"),
            "{err}"
        );
        assert!(serde_json::from_str::<Detail>(r#"{"spec":"1"}"#).is_err());
        assert!(serde_json::from_str::<Detail>(r#"{}"#).is_err());
        assert!(serde_json::from_str::<Detail>(r#"{"kind":"drug","spec":5}"#).is_err());
    }
}

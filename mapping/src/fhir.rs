//! The confirmed mapping as a FHIR R4 `ConceptMap`, for systems that speak
//! FHIR, and such a ConceptMap read back as review decisions.
//!
//! Export: one `group` per catalogue kind, from the hospital's system
//! (`urn:mulu:his:<kind>`) to the national one (`urn:mulu:nhsa:<kind>`); each
//! approved or replaced mapping is an `element` (院内编码/院内名称) with one
//! `target` (医保编码/名称, `equivalence: equivalent`); a 无对应 item is an
//! element whose target has `equivalence: unmatched` and no code.
//!
//! Import: each element becomes a decision on the stored mapping of that
//! item (approve when the target is the one suggested, replace otherwise, no
//! counterpart when unmatched) and the lot goes through the checks and the
//! one transaction of [`crate::apply_batch`], so the guard rails are the
//! review workbook's: a replacement must be a valid code listed in a
//! catalogue of the kind, a weak suggestion needs confirmation, a stale
//! revision is a conflict. An item the store does not hold yet (a ConceptMap
//! from another system) is created in the same transaction, approved to a
//! target that must be valid and in the newest catalogue version of its
//! kind. Bad JSON is refused with the JSON path of the offending value. R5's
//! `relationship` is read as well.

use crate::batch::{apply_prepared, BatchItem, OnError};
use crate::decide::{find_item, prepare, resolve_target, Action, Request};
use crate::error::MappingError;
use catalog_core::store::{Decision, Mapping, MappingStatus};
use catalog_core::{Category, Store};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// System URI prefix of the hospital's own codes, followed by the kind.
pub const HIS_SYSTEM: &str = "urn:mulu:his:";
/// System URI prefix of the national codes, followed by the kind.
pub const NATIONAL_SYSTEM: &str = "urn:mulu:nhsa:";

/// A FHIR R4 ConceptMap, the parts mulu writes and reads.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConceptMap {
    /// Always `ConceptMap`.
    pub resource_type: String,
    /// Logical id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Computer-friendly name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Human-friendly title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// draft | active | retired | unknown.
    #[serde(default)]
    pub status: String,
    /// When it was written (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// One group per (source system, target system).
    #[serde(default)]
    pub group: Vec<Group>,
}

/// Mappings from one system to another.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Group {
    /// The hospital system (`urn:mulu:his:<kind>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The national system (`urn:mulu:nhsa:<kind>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// One per hospital item.
    #[serde(default)]
    pub element: Vec<Element>,
}

/// One hospital item.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Element {
    /// 院内编码.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// 院内名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Its national counterpart (or `unmatched`).
    #[serde(default)]
    pub target: Vec<Target>,
}

/// The national code an element maps to.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Target {
    /// 医保编码.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Its name in the catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// R4: `equivalent`, or `unmatched` for 无对应.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equivalence: Option<String>,
    /// R5's name for it: `equivalent`, or `not-related-to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
    /// The reviewer's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The confirmed mappings (and 无对应 items) of `kind` (all kinds if None) as
/// a ConceptMap: groups in kind order, elements by 院内编码.
pub fn to_concept_map(store: &Store, kind: Option<Category>) -> Result<ConceptMap, MappingError> {
    let mut by_kind: HashMap<Category, Vec<Mapping>> = HashMap::new();
    for m in store.mappings(kind, None)? {
        if m.status.is_confirmed() || m.status == MappingStatus::NoCounterpart {
            by_kind.entry(m.category).or_default().push(m);
        }
    }
    let mut group = Vec::new();
    for c in Category::ALL {
        let Some(mut ms) = by_kind.remove(&c) else {
            continue;
        };
        ms.sort_by(|a, b| {
            (&a.hospital_code, &a.hospital_name).cmp(&(&b.hospital_code, &b.hospital_name))
        });
        let element = ms.iter().map(element_of).collect();
        group.push(Group {
            source: Some(format!("{HIS_SYSTEM}{c}")),
            target: Some(format!("{NATIONAL_SYSTEM}{c}")),
            element,
        });
    }
    Ok(ConceptMap {
        resource_type: "ConceptMap".into(),
        id: Some("mulu-mapping".into()),
        name: Some("MuluHospitalToNhsa".into()),
        title: Some("院内项目与医保编码对照".into()),
        status: "active".into(),
        date: Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        group,
    })
}

fn element_of(m: &Mapping) -> Element {
    let target = match (&m.status, &m.target_code) {
        (MappingStatus::NoCounterpart, _) | (_, None) => Target {
            equivalence: Some("unmatched".into()),
            comment: m.note.clone(),
            ..Target::default()
        },
        (_, Some(code)) => Target {
            code: Some(code.clone()),
            display: m.target_name.clone(),
            equivalence: Some("equivalent".into()),
            comment: m.note.clone(),
            ..Target::default()
        },
    };
    Element {
        code: Some(m.hospital_code.clone()),
        display: Some(m.hospital_name.clone()),
        target: vec![target],
    }
}

/// Why a ConceptMap file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    /// Not JSON, or JSON of the wrong shape, at `path`.
    #[error("ConceptMap 的 JSON 有误，位置 {path}：{message} (bad ConceptMap JSON at {path})")]
    Json {
        /// JSON path of the offending value (`group[0].element[2].code`), `.` for the whole.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Mapping(#[from] MappingError),
}

/// Parse a ConceptMap, naming the JSON path of the first bad value.
pub fn parse(text: &str) -> Result<ConceptMap, FhirError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let cm: ConceptMap = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if inner.is_syntax() || inner.is_eof() {
            format!(
                "不是有效的 JSON（第{}行第{}列）：{inner}",
                inner.line(),
                inner.column()
            )
        } else {
            format!("类型不对：{inner}")
        };
        FhirError::Json { path, message }
    })?;
    if cm.resource_type != "ConceptMap" {
        return Err(FhirError::Json {
            path: "resourceType".into(),
            message: format!("应为 \"ConceptMap\"，实为 \"{}\"", cm.resource_type),
        });
    }
    Ok(cm)
}

/// One element read as a decision, or why it cannot be.
fn decision_of(el: &Element) -> Result<Option<Action>, String> {
    let [t] = el.target.as_slice() else {
        return Err(format!(
            "应恰有一个 target，实有 {} 个 (exactly one target expected)",
            el.target.len()
        ));
    };
    let how = t
        .equivalence
        .as_deref()
        .or(t.relationship.as_deref())
        .unwrap_or("");
    match how {
        "equivalent" | "equal" => match t.code.as_deref().map(str::trim) {
            Some(c) if !c.is_empty() => Ok(Some(Action::Replace(c.to_string()))),
            _ => Err("target 缺少 code (an equivalent target needs a code)".into()),
        },
        "unmatched" | "not-related-to" | "disjoint" => Ok(Some(Action::NoCounterpart)),
        "" => Err("target 缺少 equivalence (or relationship)".into()),
        other => Err(format!(
            "equivalence “{other}” 不是等同对照，只接受 equivalent 或 unmatched (only equivalent or unmatched)"
        )),
    }
}

/// What importing a ConceptMap did.
#[derive(Debug, Default, Serialize)]
pub struct FhirImport {
    /// Elements read.
    pub elements: usize,
    /// Decisions written (0 when nothing was written).
    pub written: usize,
    /// Of those, mappings created for items the store did not hold yet.
    pub created: usize,
    /// Elements that already said what the store says.
    pub unchanged: usize,
    /// Whether anything was written.
    pub applied: bool,
    /// Refused elements: "group[g].element[e] 院内编码 名称: why".
    pub errors: Vec<String>,
}

/// Apply a ConceptMap's mappings as decisions by `reviewer`: every element is
/// checked first (kind from the group's target system, the stored mapping by
/// 院内编码 and 名称, the guard rails), then the accepted ones are written in
/// one transaction. An element whose item the store does not hold yet (a
/// ConceptMap from another system) creates its mapping: 院内名称 from
/// `display`, approved to the target, which must be a valid code of the kind
/// listed in the newest catalogue version of that kind, or 无对应. The same
/// item twice in one file is refused. All-or-nothing: one refusal and
/// nothing is written, unless `on_error` is [`OnError::Partial`]. `confirm`
/// approves weak suggestions, as in the review workbook.
pub fn import(
    store: &mut Store,
    cm: &ConceptMap,
    reviewer: &str,
    confirm: bool,
    on_error: OnError,
) -> Result<FhirImport, FhirError> {
    let all = store.mappings(None, None).map_err(MappingError::from)?;
    let mut by_code: HashMap<&str, Vec<Mapping>> = HashMap::new();
    for m in &all {
        by_code
            .entry(m.hospital_code.as_str())
            .or_default()
            .push(m.clone());
    }
    let mut rep = FhirImport::default();
    let mut items = Vec::new();
    let mut prepared = Vec::new();
    // Per item: a mapping the batch creates.
    let mut is_new = Vec::new();
    // (kind, 院内编码, 院内名称) → where it was first named.
    let mut seen: HashMap<(Category, String, String), String> = HashMap::new();
    for (g, group) in cm.group.iter().enumerate() {
        let kind = group
            .target
            .as_deref()
            .and_then(|t| t.strip_prefix(NATIONAL_SYSTEM))
            .map(str::parse::<Category>);
        let kind = match kind {
            Some(Ok(k)) => k,
            _ => {
                rep.errors.push(format!(
                    "group[{g}].target：应为 {NATIONAL_SYSTEM}<类别>（如 {NATIONAL_SYSTEM}drug），实为 {:?} (unknown target system)",
                    group.target.as_deref().unwrap_or("")
                ));
                rep.elements += group.element.len();
                continue;
            }
        };
        for (e, el) in group.element.iter().enumerate() {
            rep.elements += 1;
            let code = el.code.as_deref().unwrap_or("").trim();
            let name = el.display.as_deref().unwrap_or("").trim();
            let here = format!("group[{g}].element[{e}]");
            let at = format!("{here} {code} {name}");
            if code.is_empty() {
                rep.errors.push(format!(
                    "{at}：缺少 code（院内编码） (element needs a code)"
                ));
                continue;
            }
            let action = match decision_of(el) {
                Ok(Some(a)) => a,
                Ok(None) => continue,
                Err(why) => {
                    rep.errors.push(format!("{at}：{why}"));
                    continue;
                }
            };
            let candidates = by_code.get(code).map(Vec::as_slice).unwrap_or(&[]);
            let name = (!name.is_empty()).then_some(name);
            let stored = candidates
                .iter()
                .any(|m| m.category == kind && name.is_none_or(|n| n == m.hospital_name));
            let m = if stored {
                match find_item(candidates, code, name, Some(kind)) {
                    Ok(m) => m.clone(),
                    Err(err) => {
                        rep.errors.push(format!("{at}：{err}"));
                        continue;
                    }
                }
            } else {
                match name {
                    Some(n) => new_item(kind, code, n),
                    None => {
                        rep.errors
                            .push(format!("{at}：{}", tr!("fhir.new_needs_display")));
                        continue;
                    }
                }
            };
            let key = (m.category, m.hospital_code.clone(), m.hospital_name.clone());
            if let Some(first) = seen.get(&key) {
                rep.errors
                    .push(format!("{at}：{}", tr!("fhir.twice", first = first)));
                continue;
            }
            seen.insert(key, here);
            let note = el.target.first().and_then(|t| t.comment.clone());
            if !stored {
                match new_decision(store, &m, &action, reviewer, note.clone()) {
                    Ok(d) => prepared.push(Ok(d)),
                    Err(why) => {
                        rep.errors.push(format!("{at}：{why}"));
                        continue;
                    }
                }
                is_new.push(true);
                items.push(BatchItem {
                    at,
                    mapping: m,
                    request: Request {
                        action,
                        reviewer: reviewer.to_string(),
                        note,
                        expected_revision: None,
                        confirm,
                    },
                });
                continue;
            }
            let same_target = |c: &str| m.target_code.as_deref() == Some(c);
            let unchanged = match &action {
                Action::Replace(c) => m.status.is_confirmed() && same_target(c),
                _ => m.status == MappingStatus::NoCounterpart,
            };
            if unchanged {
                rep.unchanged += 1;
                continue;
            }
            // The suggested target itself is an approval, with its tier's rules.
            let action = match action {
                Action::Replace(c) if same_target(&c) => Action::Approve,
                other => other,
            };
            let request = Request {
                action,
                reviewer: reviewer.to_string(),
                note,
                expected_revision: None,
                confirm,
            };
            prepared.push(prepare(store, &m, &request));
            is_new.push(false);
            items.push(BatchItem {
                at,
                mapping: m,
                request,
            });
        }
    }
    let results: Vec<Result<Mapping, MappingError>> =
        if on_error == OnError::AllOrNothing && !rep.errors.is_empty() {
            // Unreadable elements count as refusals: list the rest's, write nothing.
            prepared
                .into_iter()
                .zip(&items)
                .map(|(p, it)| p.map(|_| it.mapping.clone()))
                .collect()
        } else {
            let out = apply_prepared(store, &items, prepared, on_error)?;
            rep.applied = out.written;
            out.results
        };
    for (i, (r, it)) in results.iter().zip(&items).enumerate() {
        match r {
            Err(e) => rep.errors.push(format!("{}：{e}", it.at)),
            Ok(_) if rep.applied => {
                rep.written += 1;
                if is_new[i] {
                    rep.created += 1;
                }
            }
            Ok(_) => {}
        }
    }
    Ok(rep)
}

/// An item the store does not hold yet, as the batch sees it: revision 0,
/// so a mapping created meanwhile by someone else is a conflict.
fn new_item(kind: Category, code: &str, name: &str) -> Mapping {
    Mapping {
        id: 0,
        category: kind,
        hospital_code: code.to_string(),
        hospital_name: name.to_string(),
        target_code: None,
        target_name: None,
        status: MappingStatus::Suggested,
        score: None,
        tier: None,
        version_label: None,
        reviewer: None,
        decided_at: None,
        note: None,
        item: serde_json::json!({}),
        begin_date: None,
        end_date: None,
        revision: 0,
    }
}

/// The decision that creates `m` from an element: approved to its target
/// (valid for the kind and in the newest catalogue version of the kind, so
/// a new mapping never starts out needing re-review), or 无对应. Nobody
/// suggested the target, so there is no tier to confirm: the reviewer who
/// imports the file vouches for it.
fn new_decision(
    store: &Store,
    m: &Mapping,
    action: &Action,
    reviewer: &str,
    note: Option<String>,
) -> Result<Decision, String> {
    let reviewer = reviewer.trim();
    if reviewer.is_empty() {
        return Err(MappingError::NoReviewer.to_string());
    }
    let mut d = Decision {
        category: Some(m.category),
        hospital_code: m.hospital_code.clone(),
        hospital_name: m.hospital_name.clone(),
        reviewer: Some(reviewer.to_string()),
        note: note.filter(|n| !n.trim().is_empty()),
        expected_revision: Some(m.revision),
        ..Decision::default()
    };
    match action {
        Action::Replace(raw) => {
            let (code, name) = resolve_target(store, raw, m.category).map_err(|e| e.to_string())?;
            let newest = store
                .resolve(None, Some(m.category))
                .map_err(|e| e.to_string())?;
            if !store
                .has_code(newest.id, &code)
                .map_err(|e| e.to_string())?
            {
                return Err(tr!(
                    "fhir.not_in_newest",
                    code = code,
                    kind_zh = m.category.label_zh(),
                    kind = m.category,
                    label = newest.label
                ));
            }
            d.status = Some(MappingStatus::Approved);
            d.target_code = Some(code);
            d.target_name = Some(name);
            d.version_label = Some(newest.label);
        }
        _ => {
            d.status = Some(MappingStatus::NoCounterpart);
            d.clear_target = true;
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::decide;
    use catalog_core::store::Decision;

    const DRUG: &str = "XJ01CAA040E001010100600";
    const DRUG2: &str = "XJ01FAA051A001010201187";
    const CONS: &str = "C02010800412001000000111271";

    use crate::tests::version;

    /// The drug and consumable catalogues, no mappings.
    fn catalogues() -> Store {
        let mut s = Store::open_in_memory().unwrap();
        version(
            &mut s,
            Category::Drug,
            "d1",
            &[(DRUG, "阿莫西林胶囊"), (DRUG2, "阿奇霉素片")],
        );
        version(
            &mut s,
            Category::Consumable,
            "c1",
            &[(CONS, "一次性使用输液器")],
        );
        s
    }

    /// The catalogues and five suggestions.
    fn store() -> Store {
        let mut s = catalogues();
        for (kind, code, name, target, tier) in [
            (
                Category::Drug,
                "Y1",
                "阿莫西林胶囊(阿莫仙)",
                Some(DRUG),
                "high",
            ),
            (Category::Drug, "Y2", "希舒美", Some(DRUG), "medium"),
            (Category::Drug, "Y3", "院内制剂甲", Some(DRUG), "low"),
            (Category::Drug, "Y4", "未审核", Some(DRUG2), "high"),
            (Category::Consumable, "H1", "输液器", Some(CONS), "high"),
        ] {
            s.record_decision(&Decision {
                category: Some(kind),
                hospital_code: code.into(),
                hospital_name: name.into(),
                target_code: target.map(String::from),
                target_name: Some("建议名".into()),
                tier: Some(tier.into()),
                ..Decision::default()
            })
            .unwrap();
        }
        s
    }

    fn find(s: &Store, code: &str) -> Mapping {
        s.mappings(None, None)
            .unwrap()
            .into_iter()
            .find(|m| m.hospital_code == code)
            .unwrap()
    }

    /// Y1 approved, Y2 replaced by DRUG2, Y3 no counterpart, H1 approved; Y4 left.
    fn reviewed() -> Store {
        let mut s = store();
        for (code, action) in [
            ("Y1", Action::Approve),
            ("Y2", Action::Replace(DRUG2.into())),
            ("Y3", Action::NoCounterpart),
            ("H1", Action::Approve),
        ] {
            let m = find(&s, code);
            decide(&mut s, &m, &Request::new(action, "王医保")).unwrap();
        }
        s
    }

    #[test]
    fn fhir_export_groups_confirmed_mappings_per_kind() {
        let cm = to_concept_map(&reviewed(), None).unwrap();
        assert_eq!(cm.resource_type, "ConceptMap");
        let systems: Vec<(&str, &str)> = cm
            .group
            .iter()
            .map(|g| (g.source.as_deref().unwrap(), g.target.as_deref().unwrap()))
            .collect();
        assert_eq!(
            systems,
            [
                ("urn:mulu:his:drug", "urn:mulu:nhsa:drug"),
                ("urn:mulu:his:consumable", "urn:mulu:nhsa:consumable"),
            ]
        );
        let drug = &cm.group[0].element;
        // Y4 is still only suggested: not part of the confirmed mapping.
        let codes: Vec<&str> = drug.iter().map(|e| e.code.as_deref().unwrap()).collect();
        assert_eq!(codes, ["Y1", "Y2", "Y3"]);
        assert_eq!(drug[0].display.as_deref(), Some("阿莫西林胶囊(阿莫仙)"));
        let t = |i: usize| &drug[i].target[0];
        assert_eq!(
            (t(0).code.as_deref(), t(0).equivalence.as_deref()),
            (Some(DRUG), Some("equivalent"))
        );
        assert_eq!(
            (t(1).code.as_deref(), t(1).display.as_deref()),
            (Some(DRUG2), Some("阿奇霉素片"))
        );
        assert_eq!(
            (t(2).code.as_deref(), t(2).equivalence.as_deref()),
            (None, Some("unmatched"))
        );
        // R4 JSON: camelCase resourceType, no R5-only field.
        let json = serde_json::to_value(&cm).unwrap();
        assert_eq!(json["resourceType"], "ConceptMap");
        assert!(json["group"][0]["element"][0]["target"][0]
            .get("relationship")
            .is_none());
        let only = to_concept_map(&reviewed(), Some(Category::Consumable)).unwrap();
        assert_eq!(only.group.len(), 1);
    }

    #[test]
    fn fhir_round_trip_gives_the_same_mapping_in_another_store() {
        let text =
            serde_json::to_string_pretty(&to_concept_map(&reviewed(), None).unwrap()).unwrap();
        let cm = parse(&text).unwrap();
        let mut other = store();
        let rep = import(&mut other, &cm, "李审核", false, OnError::AllOrNothing).unwrap();
        assert_eq!(rep.errors, Vec::<String>::new());
        assert!(rep.applied);
        assert_eq!((rep.elements, rep.written, rep.unchanged), (4, 4, 0));
        assert_eq!(find(&other, "Y1").status, MappingStatus::Approved);
        assert_eq!(find(&other, "Y2").status, MappingStatus::Replaced);
        assert_eq!(find(&other, "Y3").status, MappingStatus::NoCounterpart);
        assert_eq!(find(&other, "Y4").status, MappingStatus::Suggested);
        assert_eq!(find(&other, "Y1").reviewer.as_deref(), Some("李审核"));
        let again = to_concept_map(&other, None).unwrap();
        assert_eq!(again.group, cm.group);
        // A second import changes nothing.
        let rep = import(&mut other, &cm, "李审核", false, OnError::AllOrNothing).unwrap();
        assert_eq!((rep.written, rep.unchanged), (0, 4));
    }

    #[test]
    fn fhir_import_keeps_the_guard_rails_and_is_all_or_nothing() {
        let mut cm = to_concept_map(&reviewed(), None).unwrap();
        let drug = &mut cm.group[0].element;
        // Y3 now maps to a code in no catalogue; a new item Y9 to a consumable's code.
        drug[2].target[0] = Target {
            code: Some("XJ01CAA040E001010199999".into()),
            equivalence: Some("equivalent".into()),
            ..Target::default()
        };
        drug.push(Element {
            code: Some("Y9".into()),
            display: Some("不在库中".into()),
            target: vec![Target {
                code: Some(CONS.into()),
                relationship: Some("equivalent".into()),
                ..Target::default()
            }],
        });
        let mut other = store();
        let rep = import(&mut other, &cm, "李审核", false, OnError::AllOrNothing).unwrap();
        assert!(!rep.applied);
        assert_eq!((rep.written, rep.created), (0, 0));
        assert_eq!(rep.errors.len(), 2, "{:?}", rep.errors);
        assert!(
            rep.errors[0].starts_with("group[0].element[3] Y9 不在库中：")
                && rep.errors[0].contains("医用耗材"),
            "{:?}",
            rep.errors
        );
        assert!(
            rep.errors[1].starts_with("group[0].element[2] Y3")
                && rep.errors[1].contains("不在任何"),
            "{:?}",
            rep.errors
        );
        assert_eq!(other.mappings(None, None).unwrap().len(), 5, "none created");
        assert!(other
            .mappings(None, None)
            .unwrap()
            .iter()
            .all(|m| m.status == MappingStatus::Suggested));
        // Partial: the good ones are written, the refusals still listed.
        let rep = import(&mut other, &cm, "李审核", false, OnError::Partial).unwrap();
        assert!(rep.applied);
        assert_eq!((rep.written, rep.errors.len()), (3, 2));
        assert_eq!(find(&other, "Y3").status, MappingStatus::Suggested);
        assert_eq!(
            other.mappings(None, None).unwrap().len(),
            5,
            "Y9 not created"
        );
    }

    #[test]
    fn fhir_import_creates_the_items_the_store_does_not_hold() {
        let cm = to_concept_map(&reviewed(), None).unwrap();
        // Another hospital's system: the same catalogues, none of the items.
        let mut other = catalogues();
        let rep = import(&mut other, &cm, "李审核", false, OnError::AllOrNothing).unwrap();
        assert_eq!(rep.errors, Vec::<String>::new());
        assert!(rep.applied);
        assert_eq!((rep.elements, rep.written, rep.created), (4, 4, 4));
        let y1 = find(&other, "Y1");
        assert_eq!(
            (
                y1.hospital_name.as_str(),
                y1.status,
                y1.target_code.as_deref(),
                y1.target_name.as_deref(),
                y1.reviewer.as_deref(),
                y1.version_label.as_deref()
            ),
            (
                "阿莫西林胶囊(阿莫仙)",
                MappingStatus::Approved,
                Some(DRUG),
                Some("阿莫西林胶囊"),
                Some("李审核"),
                Some("d1")
            ),
            "the catalogue's name, the newest version"
        );
        // Nobody suggested it: the ConceptMap's target, approved.
        assert_eq!(find(&other, "Y2").status, MappingStatus::Approved);
        assert_eq!(find(&other, "Y2").target_code.as_deref(), Some(DRUG2));
        assert_eq!(find(&other, "Y3").status, MappingStatus::NoCounterpart);
        assert_eq!(find(&other, "Y3").target_code, None);
        assert_eq!(find(&other, "H1").category, Category::Consumable);
        assert_eq!(
            other.mapping_events(y1.id).unwrap().len(),
            1,
            "in the history"
        );
        // The same confirmed mapping comes out again.
        let pairs = |cm: &ConceptMap| -> Vec<(String, Option<String>)> {
            cm.group
                .iter()
                .flat_map(|g| &g.element)
                .map(|e| (e.code.clone().unwrap(), e.target[0].code.clone()))
                .collect()
        };
        assert_eq!(pairs(&to_concept_map(&other, None).unwrap()), pairs(&cm));
        // A second import changes nothing and creates nothing.
        let rep = import(&mut other, &cm, "李审核", false, OnError::AllOrNothing).unwrap();
        assert_eq!((rep.written, rep.created, rep.unchanged), (0, 0, 4));
        assert_eq!(other.mappings(None, None).unwrap().len(), 4);
    }

    #[test]
    fn fhir_new_items_need_a_name_a_target_in_the_newest_version_and_appear_once() {
        let el = |code: &str, name: Option<&str>, target: &str| Element {
            code: Some(code.into()),
            display: name.map(String::from),
            target: vec![Target {
                code: Some(target.into()),
                equivalence: Some("equivalent".into()),
                ..Target::default()
            }],
        };
        let cm = ConceptMap {
            resource_type: "ConceptMap".into(),
            group: vec![Group {
                source: None,
                target: Some("urn:mulu:nhsa:drug".into()),
                element: vec![
                    el("N1", Some("新药甲"), DRUG),
                    el("N2", None, DRUG),
                    el("N3", Some("新药丙"), DRUG2),
                    el("N1", Some("新药甲"), DRUG),
                    el("N4", Some("新药丁"), "XJ01"),
                ],
            }],
            ..ConceptMap::default()
        };
        // The newest drug version no longer lists DRUG2.
        let mut s = catalogues();
        version(&mut s, Category::Drug, "d2", &[(DRUG, "阿莫西林胶囊")]);
        let rep = import(&mut s, &cm, "王", false, OnError::AllOrNothing).unwrap();
        assert!(!rep.applied);
        let errs = rep.errors.join("\n");
        assert_eq!(rep.errors.len(), 4, "{errs}");
        assert!(
            rep.errors[0].starts_with("group[0].element[1] N2") && errs.contains("display"),
            "{errs}"
        );
        assert!(
            rep.errors[1].starts_with("group[0].element[2] N3")
                && rep.errors[1].contains("不在最新的西药中成药目录版本 d2"),
            "{errs}"
        );
        assert!(
            rep.errors[2].starts_with("group[0].element[3] N1 新药甲")
                && rep.errors[2].contains("group[0].element[0]"),
            "{errs}"
        );
        assert!(
            rep.errors[3].starts_with("group[0].element[4] N4")
                && rep.errors[3].contains("不是有效的"),
            "{errs}"
        );
        assert!(
            s.mappings(None, None).unwrap().is_empty(),
            "nothing created"
        );
        // Partial: N1 alone is created.
        let rep = import(&mut s, &cm, "王", false, OnError::Partial).unwrap();
        assert_eq!((rep.written, rep.created, rep.errors.len()), (1, 1, 4));
        let all = s.mappings(None, None).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(
            (
                all[0].hospital_code.as_str(),
                all[0].version_label.as_deref()
            ),
            ("N1", Some("d2"))
        );
    }

    #[test]
    fn fhir_low_tier_approval_needs_confirmation() {
        let mut cm = to_concept_map(&reviewed(), Some(Category::Drug)).unwrap();
        // Y3 (low tier) mapped to its own suggestion: an approval of a weak one.
        cm.group[0].element[2].target[0] = Target {
            code: Some(DRUG.into()),
            equivalence: Some("equivalent".into()),
            ..Target::default()
        };
        let mut other = store();
        let rep = import(&mut other, &cm, "李审核", false, OnError::AllOrNothing).unwrap();
        assert!(!rep.applied);
        assert!(rep.errors[0].contains("确认"), "{:?}", rep.errors);
        let rep = import(&mut other, &cm, "李审核", true, OnError::AllOrNothing).unwrap();
        assert!(rep.applied, "{:?}", rep.errors);
        assert_eq!(find(&other, "Y3").status, MappingStatus::Approved);
    }

    #[test]
    fn fhir_bad_json_names_the_json_path() {
        let e = parse(r#"{"resourceType":"ConceptMap","status":"active","group":[{"target":"urn:mulu:nhsa:drug","element":[{"code":"Y1"},{"code":7}]}]}"#)
            .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("group[0].element[1].code"), "{msg}");
        assert!(msg.contains("类型不对"), "{msg}");
        let e = parse("{\"resourceType\": \"ConceptMap\",\n \"group\": [").unwrap_err();
        assert!(e.to_string().contains("不是有效的 JSON（第2行"), "{e}");
        let e = parse(r#"{"resourceType":"Patient"}"#).unwrap_err();
        assert!(e.to_string().contains("resourceType"), "{e}");
        // A group whose target system is not a national catalogue: refused by path.
        let cm = parse(r#"{"resourceType":"ConceptMap","status":"active","group":[{"target":"http://loinc.org","element":[{"code":"Y1","target":[{"code":"X","equivalence":"equivalent"}]}]}]}"#).unwrap();
        let mut s = store();
        let rep = import(&mut s, &cm, "王", false, OnError::AllOrNothing).unwrap();
        assert!(
            rep.errors[0].starts_with("group[0].target"),
            "{:?}",
            rep.errors
        );
        assert!(!rep.applied);
    }
}

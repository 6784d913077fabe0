//! `mulu.toml` in the home. Parsing and validation are the mapping crate's
//! ([`mapping::config`]), so `mulu serve` reads the same file the same way;
//! here only the flags are laid over it. Precedence is flag > mulu.toml > default.

pub use mapping::config::{Config, ConfigError, FILE};
use mapping::{ListTypeOverrides, ListTypeTable};

/// The region's numbering: `flag` (--list-type-table) alone when given,
/// else the file's table and overrides, else the national table.
pub fn list_types(
    cfg: &Config,
    flag: Option<&str>,
) -> anyhow::Result<(ListTypeTable, ListTypeOverrides)> {
    let table = flag
        .map(|f| {
            f.parse::<ListTypeTable>()
                .map_err(|e| anyhow::anyhow!("--list-type-table: {e}"))
        })
        .transpose()?;
    cfg.list_types(table).map_err(|e| anyhow::anyhow!(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalog_core::Category;

    #[test]
    fn the_flag_wins_over_the_file_and_its_overrides() {
        let c = Config::parse(
            std::path::Path::new("/h/mulu.toml"),
            "fixmedins_code = \"H44010600124\"\n[list_type.prefix]\nZ = \"102\"\n",
        )
        .unwrap();
        let (t, o) = list_types(&c, None).unwrap();
        assert_eq!(t, ListTypeTable::National);
        assert_eq!(
            o.list_type(t, Category::Drug, "ZA01AAA0001").as_deref(),
            Some("102")
        );
        let (t, o) = list_types(&c, Some("hunan")).unwrap();
        assert_eq!((t, o.is_empty()), (ListTypeTable::Hunan, true));
        assert!(list_types(&c, Some("mars"))
            .unwrap_err()
            .to_string()
            .starts_with("--list-type-table: "));
        assert_eq!(c.fixmedins_code(Some("H11")), "H11");
        assert_eq!(c.fixmedins_code(None), "H44010600124");
    }
}

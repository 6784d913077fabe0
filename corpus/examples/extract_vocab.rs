//! One-off: print sheet contents of the real rule workbooks so the drug
//! vocabulary can be extracted into data/dicts (generation must not need ../shared).
use calamine::{open_workbook_auto, Reader};

fn main() -> anyhow::Result<()> {
    for path in std::env::args().skip(1) {
        let mut wb = open_workbook_auto(&path)?;
        for name in wb.sheet_names() {
            let range = wb.worksheet_range(&name)?;
            for row in range.rows() {
                let cells: Vec<String> = row
                    .iter()
                    .map(|c| c.to_string().replace(['\t', '\n'], " "))
                    .collect();
                println!("{}\t{}", name, cells.join("\t"));
            }
        }
    }
    Ok(())
}

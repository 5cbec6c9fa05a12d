//! The four operation catalogs (fixtures/catalog/*.tsv, copies of the shared catalogs), compiled
//! in. Scenario validation checks operation names against them, and the coverage check counts
//! which operations scenarios touch.

pub struct Catalog {
    /// Surface name, as the file is named (`tencent-cbs`, `huawei-cbr`, `gateway`, `ucloudstack`).
    pub surface: &'static str,
    tsv: &'static str,
}

pub static CATALOGS: &[Catalog] = &[
    Catalog { surface: "tencent-cbs", tsv: include_str!("../../fixtures/catalog/tencent-cbs.tsv") },
    Catalog { surface: "huawei-cbr", tsv: include_str!("../../fixtures/catalog/huawei-cbr.tsv") },
    Catalog { surface: "gateway", tsv: include_str!("../../fixtures/catalog/gateway.tsv") },
    Catalog { surface: "ucloudstack", tsv: include_str!("../../fixtures/catalog/ucloudstack.tsv") },
];

/// One catalog row: the operation name and the remaining tab-separated columns, keyed by the
/// header (Huawei's method and path template live there).
pub struct Row<'a> {
    pub name: &'a str,
    pub columns: Vec<(&'a str, &'a str)>,
}

impl Row<'_> {
    pub fn column(&self, name: &str) -> Option<&str> {
        self.columns.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

impl Catalog {
    pub fn rows(&self) -> Vec<Row<'static>> {
        let mut lines = self.tsv.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
        lines
            .map(|line| {
                let cells: Vec<&str> = line.split('\t').collect();
                Row {
                    name: cells.first().copied().unwrap_or(""),
                    columns: header.iter().copied().zip(cells.iter().copied()).skip(1).collect(),
                }
            })
            .collect()
    }

    pub fn operations(&self) -> Vec<&'static str> {
        self.rows().into_iter().map(|r| r.name).collect()
    }

    pub fn contains(&self, operation: &str) -> bool {
        self.rows().iter().any(|r| r.name == operation)
    }
}

pub fn find(surface: &str) -> Option<&'static Catalog> {
    CATALOGS.iter().find(|c| c.surface == surface)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_catalogs_hold_137_operations() {
        let counts: Vec<(&str, usize)> = CATALOGS.iter().map(|c| (c.surface, c.operations().len())).collect();
        assert_eq!(counts, vec![("tencent-cbs", 38), ("huawei-cbr", 73), ("gateway", 22), ("ucloudstack", 4)]);
        assert!(find("tencent-cbs").unwrap().contains("CreateDisks"));
        let huawei = find("huawei-cbr").unwrap().rows();
        let vault = huawei.iter().find(|r| r.name == "CreateVault").unwrap();
        assert_eq!(vault.column("method"), Some("POST"));
        assert_eq!(vault.column("path"), Some("/v3/{project_id}/vaults"));
    }
}

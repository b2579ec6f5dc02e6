//! The one table: figures, the reference's figures, the budget, a verdict.

#[derive(Debug, Clone, Default)]
pub struct Row {
    pub metric: String,
    pub ours: String,
    pub reference: String,
    pub budget: String,
    /// None: no budget for this row.
    pub ok: Option<bool>,
    pub note: String,
}

impl Row {
    pub fn new(metric: impl Into<String>, ours: impl Into<String>) -> Row {
        Row {
            metric: metric.into(),
            ours: ours.into(),
            ..Row::default()
        }
    }
    pub fn reference(mut self, r: impl Into<String>) -> Row {
        self.reference = r.into();
        self
    }
    pub fn budget(mut self, b: impl Into<String>, ok: bool) -> Row {
        self.budget = b.into();
        self.ok = Some(ok);
        self
    }
    pub fn note(mut self, n: impl Into<String>) -> Row {
        self.note = n.into();
        self
    }
}

/// Markdown: a title, the context lines, then the table.
pub fn render(title: &str, context: &[String], rows: &[Row]) -> String {
    let mut s = format!("# {title}\n\n");
    for c in context {
        s.push_str(&format!("- {c}\n"));
    }
    s.push_str("\n| metric | psendurance | reference | budget | | note |\n");
    s.push_str("|---|---|---|---|---|---|\n");
    for r in rows {
        let verdict = match r.ok {
            Some(true) => "✓",
            Some(false) => "✗",
            None => "",
        };
        let cell = |t: &str| t.replace('|', "\\|");
        s.push_str(&format!(
            "| {} | {} | {} | {} | {verdict} | {} |\n",
            cell(&r.metric),
            cell(&r.ours),
            cell(&r.reference),
            cell(&r.budget),
            cell(&r.note)
        ));
    }
    s
}

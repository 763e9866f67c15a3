//! Self-contained HTML report of annotations: each document's text with its entities
//! highlighted by label and its claim cues linked to a table of claims (speaker, cue, mode,
//! content, stances), error records, and a corpus summary of who took which stance toward
//! whom. No scripts, fonts or images are loaded: one file that opens anywhere.
//!
//! The report is written as records come ([`HtmlReport::add`]), so a corpus of any size
//! needs only the summary's counts in memory; the summary is written last and shown first
//! (CSS `order`).
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::annotation::{Annotation, Label, Mode, Polarity};
use crate::io::{ErrorRecord, OutputRecord, RecordSink};
use crate::text::OffsetMap;

/// Documents shown unfolded; later ones start folded (the browser still finds text in them).
const OPEN_DOCUMENTS: usize = 25;
/// Documents listed per row of the stance table.
const DOC_LINKS: usize = 6;
/// Rows of the stance table and of the speaker table (the most frequent first).
const STANCE_ROWS: usize = 300;
const SPEAKER_ROWS: usize = 100;

const LABELS: [Label; 5] = [
    Label::Per,
    Label::State,
    Label::Org,
    Label::Loc,
    Label::Misc,
];

fn label_name(l: Label) -> &'static str {
    match l {
        Label::Per => "person",
        Label::State => "state",
        Label::Org => "organization",
        Label::Loc => "place",
        Label::Misc => "other",
    }
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Indirect => "indirect",
        Mode::Direct => "direct",
        Mode::Mixed => "mixed",
        Mode::Position => "position",
        Mode::Continuation => "continuation",
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    escape_into(&mut out, s);
    out
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[derive(Debug, Default, Clone)]
struct StanceCell {
    support: usize,
    oppose: usize,
    /// Documents (index, id), first few only.
    docs: Vec<(usize, String)>,
    n_docs: usize,
    last_doc: Option<usize>,
}

#[derive(Debug, Default, Clone)]
struct SpeakerCell {
    claims: usize,
    n_docs: usize,
    last_doc: Option<usize>,
}

/// Corpus-wide counts gathered while the report is written.
#[derive(Debug, Default, Clone)]
pub struct CorpusSummary {
    pub documents: usize,
    pub failed: usize,
    pub entities: BTreeMap<Label, usize>,
    pub claims: usize,
    claims_by_mode: HashMap<Mode, usize>,
    stances: BTreeMap<(String, String), StanceCell>,
    speakers: BTreeMap<String, SpeakerCell>,
    failures: Vec<(usize, String, String)>,
}

impl CorpusSummary {
    fn add_annotation(&mut self, index: usize, ann: &Annotation) {
        self.documents += 1;
        for e in &ann.entities {
            *self.entities.entry(e.label).or_insert(0) += 1;
        }
        for claim in &ann.claims {
            self.claims += 1;
            *self.claims_by_mode.entry(claim.mode).or_insert(0) += 1;
            for speaker in &claim.speaker {
                let cell = self.speakers.entry(speaker.clone()).or_default();
                cell.claims += 1;
                if cell.last_doc != Some(index) {
                    cell.last_doc = Some(index);
                    cell.n_docs += 1;
                }
                for stance in &claim.stances {
                    let cell = self
                        .stances
                        .entry((speaker.clone(), stance.target.clone()))
                        .or_default();
                    match stance.polarity {
                        Polarity::Support => cell.support += 1,
                        Polarity::Oppose => cell.oppose += 1,
                    }
                    if cell.last_doc != Some(index) {
                        cell.last_doc = Some(index);
                        cell.n_docs += 1;
                        if cell.docs.len() < DOC_LINKS {
                            cell.docs.push((index, ann.id.clone()));
                        }
                    }
                }
            }
        }
    }

    /// `(speaker, target, support, oppose, documents)`, most frequent first.
    pub fn stance_rows(&self) -> Vec<(&str, &str, usize, usize, usize)> {
        let mut rows: Vec<_> = self
            .stances
            .iter()
            .map(|((s, t), c)| (s.as_str(), t.as_str(), c.support, c.oppose, c.n_docs))
            .collect();
        rows.sort_by(|a, b| {
            (b.2 + b.3)
                .cmp(&(a.2 + a.3))
                .then(a.0.cmp(b.0))
                .then(a.1.cmp(b.1))
        });
        rows
    }
}

/// Writes an HTML report record by record. Call [`HtmlReport::finish`] at the end.
pub struct HtmlReport<W: Write> {
    out: W,
    summary: CorpusSummary,
    index: usize,
    finished: bool,
    buf: String,
}

const STYLE: &str = r#"
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#f6f8fa;
  --per:#fde68a; --state:#bfdbfe; --org:#bbf7d0; --loc:#e9d5ff; --misc:#e5e7eb;
  --sup:#1a7f37; --opp:#cf222e; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif; color:var(--ink); background:#fff; }
header { padding:18px 28px 10px; border-bottom:1px solid var(--line); background:var(--bg); }
header h1 { margin:0 0 4px; font-size:22px; }
header p { margin:4px 0; color:var(--muted); font-size:13px; }
main.report { display:flex; flex-direction:column; gap:18px; padding:18px 28px 40px; max-width:1200px; }
section.summary { order:-1; }
h2 { font-size:18px; margin:6px 0 8px; }
h3 { font-size:15px; margin:14px 0 6px; }
table { border-collapse:collapse; width:100%; font-size:13.5px; }
th, td { border:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
th { background:var(--bg); font-weight:600; }
td.num { text-align:right; font-variant-numeric:tabular-nums; width:5.5em; }
td.sup { color:var(--sup); font-weight:600; }
td.opp { color:var(--opp); font-weight:600; }
td.zero { color:#aab; font-weight:normal; }
.stats { display:flex; flex-wrap:wrap; gap:8px; margin:4px 0 8px; }
.stat { background:var(--bg); border:1px solid var(--line); border-radius:6px; padding:3px 10px; font-size:13px; }
.stat b { font-size:15px; }
details.doc { border:1px solid var(--line); border-radius:8px; }
details.doc > summary { cursor:pointer; padding:8px 12px; background:var(--bg); border-radius:8px; font-weight:600; }
details.doc[open] > summary { border-bottom:1px solid var(--line); border-radius:8px 8px 0 0; }
details.doc .meta { color:var(--muted); font-weight:normal; font-size:13px; margin-left:8px; }
.body { padding:10px 14px; }
.text { white-space:pre-wrap; line-height:1.9; margin:0 0 10px; font-size:15px; }
mark.ent { padding:1px 3px; border-radius:4px; color:inherit; }
mark.ent .tag { font-size:10px; font-weight:700; letter-spacing:.03em; margin-left:3px; padding:0 3px; border-radius:3px; background:rgba(255,255,255,.7); color:#333; vertical-align:1px; }
.l-PER { background:var(--per); } .l-STATE { background:var(--state); } .l-ORG { background:var(--org); }
.l-LOC { background:var(--loc); } .l-MISC { background:var(--misc); }
a.cue { color:inherit; text-decoration:underline 2px #8250df; text-underline-offset:3px; font-weight:600; }
a.cue sup, td.n { color:#8250df; font-size:11px; }
.legend mark { margin-right:6px; }
.badge { display:inline-block; padding:0 7px; border-radius:10px; font-size:12px; margin:1px 4px 1px 0; white-space:nowrap; }
.b-support { background:#dafbe1; color:var(--sup); border:1px solid #aceebb; }
.b-oppose { background:#ffebe9; color:var(--opp); border:1px solid #ffcecb; }
.mode { font-size:12px; color:var(--muted); }
.speaker { font-weight:600; }
.none { color:#aab; }
.error { border:1px solid #ffcecb; background:#fff5f5; border-radius:8px; padding:8px 12px; }
.error .why { color:var(--opp); font-family:ui-monospace,Menlo,Consolas,monospace; font-size:13px; }
tr:target, .cue:target { background:#fff8c5; }
"#;

impl<W: Write> HtmlReport<W> {
    /// Starts a report: writes the head, the header (with portavoz's version) and the label
    /// legend. For a report of annotations made now, [`HtmlReport::with_model`] also names the model.
    pub fn new(out: W, title: &str) -> io::Result<Self> {
        Self::start(out, title, None)
    }

    /// [`HtmlReport::new`] for annotations made by `model`: the header names its version too.
    pub fn with_model(out: W, title: &str, model: &crate::ModelInfo) -> io::Result<Self> {
        Self::start(out, title, Some(model))
    }

    fn start(mut out: W, title: &str, model: Option<&crate::ModelInfo>) -> io::Result<Self> {
        let mut s = String::new();
        s.push_str("<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"utf-8\">\n");
        s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let _ = writeln!(s, "<title>{}</title>", escape(title));
        let _ = writeln!(s, "<style>{STYLE}</style>\n</head>\n<body>");
        let _ = write!(s, "<header><h1>{}</h1>", escape(title));
        let made_by = match model {
            Some(m) => format!(
                "portavoz {} · model {} {}",
                crate::VERSION,
                crate::model_location::MODEL_NAME,
                m.version_str()
            ),
            None => format!(
                "portavoz {} (model not recorded in the annotations)",
                crate::VERSION
            ),
        };
        let _ = write!(
            s,
            "<p class=\"made-by\">{} · who is mentioned, who said what, and for or against whom</p><p class=\"legend\">",
            escape(&made_by)
        );
        for l in LABELS {
            let _ = write!(
                s,
                "<mark class=\"ent l-{l}\">{}<span class=\"tag\">{l}</span></mark>",
                label_name(l)
            );
        }
        s.push_str("<a class=\"cue\">cue<sup>n</sup></a> (reporting word of claim n)</p></header>\n<main class=\"report\">\n");
        out.write_all(s.as_bytes())?;
        out.flush()?;
        Ok(HtmlReport {
            out,
            summary: CorpusSummary::default(),
            index: 0,
            finished: false,
            buf: String::new(),
        })
    }

    /// The counts so far.
    pub fn summary(&self) -> &CorpusSummary {
        &self.summary
    }

    /// Adds one record (a document or an error) and flushes it.
    pub fn add(&mut self, record: &OutputRecord) -> io::Result<()> {
        self.buf.clear();
        let index = self.index;
        self.index += 1;
        match record {
            OutputRecord::Annotation(a) => {
                self.summary.add_annotation(index, a);
                render_document(&mut self.buf, index, a);
            }
            OutputRecord::Error(e) => {
                self.summary.failed += 1;
                self.summary
                    .failures
                    .push((index, e.id.clone(), e.error.reason.clone()));
                render_error(&mut self.buf, index, e);
            }
        }
        self.out.write_all(self.buf.as_bytes())?;
        self.out.flush()
    }

    /// Writes the corpus summary and closes the document; returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.close()?;
        Ok(self.out)
    }

    fn close(&mut self) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        let mut s = String::new();
        render_summary(&mut s, &self.summary);
        s.push_str("</main>\n</body>\n</html>\n");
        self.out.write_all(s.as_bytes())?;
        self.out.flush()
    }
}

impl<W: Write> RecordSink for HtmlReport<W> {
    fn write_record(&mut self, record: &OutputRecord) -> io::Result<()> {
        self.add(record)
    }
    fn finish(&mut self) -> io::Result<()> {
        self.close()
    }
}

/// A whole report as a string.
pub fn render(records: &[OutputRecord], title: &str) -> String {
    let mut report = HtmlReport::new(Vec::new(), title).expect("writing to memory");
    for r in records {
        report.add(r).expect("writing to memory");
    }
    let bytes = report.finish().expect("writing to memory");
    String::from_utf8(bytes).expect("the report is UTF-8")
}

/// A highlighted stretch of a text, in bytes.
struct Mark {
    start: usize,
    end: usize,
    open: String,
    close: String,
}

/// The text with entity and cue marks; overlapping marks after the first are left out, and
/// offsets that do not fit the text are ignored.
fn render_text(s: &mut String, doc: usize, ann: &Annotation) {
    let text = ann.text.as_str();
    let map = OffsetMap::new(text);
    let mut marks = Vec::new();
    for e in &ann.entities {
        let (a, b) = if e.byte_start < e.byte_end && text.get(e.byte_start..e.byte_end).is_some() {
            (e.byte_start, e.byte_end)
        } else if e.start < e.end && e.end <= map.char_len() {
            (map.byte_of(e.start), map.byte_of(e.end))
        } else {
            continue;
        };
        let mut title = format!("{} · {}", e.label, e.canonical);
        if e.score.is_finite() {
            let _ = write!(title, " · score {:.2}", e.score);
        }
        let open = format!(
            "<mark class=\"ent l-{}\" title=\"{}\">",
            e.label,
            escape(&title)
        );
        let close = format!("<span class=\"tag\">{}</span></mark>", e.label);
        marks.push(Mark {
            start: a,
            end: b,
            open,
            close,
        });
    }
    for (i, c) in ann.claims.iter().enumerate() {
        let (Some(cs), Some(ce)) = (c.cue_start, c.cue_end) else {
            continue;
        };
        if cs >= ce || ce > map.char_len() {
            continue;
        }
        let title = format!("claim {}: {}", i + 1, c.speaker.join(" + "));
        let open = format!(
            "<a class=\"cue\" id=\"d{doc}-k{}\" href=\"#d{doc}-c{}\" title=\"{}\">",
            i + 1,
            i + 1,
            escape(&title)
        );
        let close = format!("<sup>{}</sup></a>", i + 1);
        marks.push(Mark {
            start: map.byte_of(cs),
            end: map.byte_of(ce),
            open,
            close,
        });
    }
    marks.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    s.push_str("<div class=\"text\">");
    let mut pos = 0;
    for m in &marks {
        if m.start < pos {
            continue;
        }
        escape_into(s, &text[pos..m.start]);
        s.push_str(&m.open);
        escape_into(s, &text[m.start..m.end]);
        s.push_str(&m.close);
        pos = m.end;
    }
    escape_into(s, &text[pos..]);
    s.push_str("</div>\n");
}

fn render_stances(s: &mut String, stances: &[crate::annotation::Stance]) {
    if stances.is_empty() {
        s.push_str("<span class=\"none\">—</span>");
    }
    for st in stances {
        let (class, arrow) = match st.polarity {
            Polarity::Support => ("support", "▲ supports"),
            Polarity::Oppose => ("oppose", "▼ opposes"),
        };
        let _ = write!(
            s,
            "<span class=\"badge b-{class}\">{arrow} {}</span>",
            escape(&st.target)
        );
    }
}

fn render_document(s: &mut String, index: usize, ann: &Annotation) {
    let open = if index < OPEN_DOCUMENTS { " open" } else { "" };
    let _ = write!(
        s,
        "<details class=\"doc\" id=\"d{index}\"{open}><summary>{}<span class=\"meta\">{} entities · {} claims · {} characters</span></summary>\n<div class=\"body\">",
        escape(&ann.id),
        ann.entities.len(),
        ann.claims.len(),
        ann.text.chars().count()
    );
    render_text(s, index, ann);
    if ann.claims.is_empty() {
        s.push_str("<p class=\"none\">No claims.</p>");
    } else {
        s.push_str("<table class=\"claims\"><thead><tr><th>#</th><th>Speaker</th><th>Cue</th><th>Mode</th><th>Content</th><th>Stance</th></tr></thead><tbody>\n");
        for (i, c) in ann.claims.iter().enumerate() {
            let n = i + 1;
            let _ = write!(s, "<tr id=\"d{index}-c{n}\"><td class=\"n\">");
            if c.cue_start.is_some() {
                let _ = write!(s, "<a href=\"#d{index}-k{n}\">{n}</a>");
            } else {
                let _ = write!(s, "{n}");
            }
            s.push_str("</td><td class=\"speaker\">");
            if c.speaker.is_empty() {
                s.push_str("<span class=\"none\">?</span>");
            } else {
                escape_into(s, &c.speaker.join(" + "));
            }
            s.push_str("</td><td>");
            match &c.cue {
                Some(cue) => escape_into(s, cue),
                None => s.push_str("<span class=\"none\">—</span>"),
            }
            let _ = write!(s, "</td><td class=\"mode\">{}</td><td>", mode_name(c.mode));
            escape_into(s, &c.content);
            s.push_str("</td><td>");
            render_stances(s, &c.stances);
            s.push_str("</td></tr>\n");
        }
        s.push_str("</tbody></table>");
    }
    s.push_str("</div></details>\n");
}

fn render_error(s: &mut String, index: usize, e: &ErrorRecord) {
    let _ = write!(
        s,
        "<section class=\"error\" id=\"d{index}\"><b>{}</b> — not annotated: <span class=\"why\">",
        escape(&e.id)
    );
    escape_into(s, &e.error.reason);
    s.push_str("</span>");
    if !e.error.source.is_empty() {
        let place = match e.error.line {
            Some(l) => format!("{}, line {l}", e.error.source),
            None => e.error.source.clone(),
        };
        let _ = write!(s, " <span class=\"mode\">({})</span>", escape(&place));
    }
    s.push_str("</section>\n");
}

fn render_summary(s: &mut String, sum: &CorpusSummary) {
    s.push_str("<section class=\"summary\"><h2>Corpus summary</h2><div class=\"stats\">");
    let _ = write!(
        s,
        "<span class=\"stat\"><b>{}</b> documents</span>",
        sum.documents
    );
    if sum.failed > 0 {
        let _ = write!(
            s,
            "<span class=\"stat\" style=\"color:var(--opp)\"><b>{}</b> failed records</span>",
            sum.failed
        );
    }
    for l in LABELS {
        let n = sum.entities.get(&l).copied().unwrap_or(0);
        let _ = write!(
            s,
            "<span class=\"stat\"><mark class=\"ent l-{l}\"><b>{n}</b></mark> {l}</span>"
        );
    }
    let _ = write!(s, "<span class=\"stat\"><b>{}</b> claims", sum.claims);
    let modes = [
        Mode::Indirect,
        Mode::Direct,
        Mode::Mixed,
        Mode::Position,
        Mode::Continuation,
    ];
    let parts: Vec<String> = modes
        .iter()
        .filter_map(|m| {
            sum.claims_by_mode
                .get(m)
                .map(|n| format!("{n} {}", mode_name(*m)))
        })
        .collect();
    if !parts.is_empty() {
        let _ = write!(s, " ({})", parts.join(", "));
    }
    s.push_str("</span></div>\n");

    s.push_str("<h3>Who took which stance toward whom</h3>\n");
    let rows = sum.stance_rows();
    if rows.is_empty() {
        s.push_str("<p class=\"none\">No stances found.</p>\n");
    } else {
        s.push_str("<table class=\"stances\"><thead><tr><th>Speaker</th><th>Target</th><th>Support</th><th>Oppose</th><th>Documents</th></tr></thead><tbody>\n");
        let n_rows = rows.len();
        for (speaker, target, sup, opp, _) in rows.into_iter().take(STANCE_ROWS) {
            let cell = &sum.stances[&(speaker.to_string(), target.to_string())];
            let _ = write!(
                s,
                "<tr><td class=\"speaker\">{}</td><td>{}</td><td class=\"num {}\">{sup}</td><td class=\"num {}\">{opp}</td><td>",
                escape(speaker),
                escape(target),
                if sup > 0 { "sup" } else { "zero" },
                if opp > 0 { "opp" } else { "zero" },
            );
            let links: Vec<String> = cell
                .docs
                .iter()
                .map(|(i, id)| format!("<a href=\"#d{i}\">{}</a>", escape(id)))
                .collect();
            s.push_str(&links.join(", "));
            if cell.n_docs > cell.docs.len() {
                let _ = write!(s, " and {} more", cell.n_docs - cell.docs.len());
            }
            s.push_str("</td></tr>\n");
        }
        s.push_str("</tbody></table>\n");
        if n_rows > STANCE_ROWS {
            let _ = writeln!(
                s,
                "<p class=\"none\">and {} less frequent speaker–target pairs</p>",
                n_rows - STANCE_ROWS
            );
        }
    }

    if !sum.speakers.is_empty() {
        s.push_str("<h3>Speakers</h3>\n<table class=\"speakers\"><thead><tr><th>Speaker</th><th>Claims</th><th>Documents</th></tr></thead><tbody>\n");
        let mut speakers: Vec<_> = sum.speakers.iter().collect();
        speakers.sort_by(|a, b| b.1.claims.cmp(&a.1.claims).then(a.0.cmp(b.0)));
        let n_speakers = speakers.len();
        for (name, cell) in speakers.into_iter().take(SPEAKER_ROWS) {
            let _ = writeln!(
                s,
                "<tr><td class=\"speaker\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(name),
                cell.claims,
                cell.n_docs
            );
        }
        s.push_str("</tbody></table>\n");
        if n_speakers > SPEAKER_ROWS {
            let _ = writeln!(
                s,
                "<p class=\"none\">and {} more speakers</p>",
                n_speakers - SPEAKER_ROWS
            );
        }
    }

    if !sum.failures.is_empty() {
        s.push_str("<h3>Failed records</h3>\n<ul>\n");
        for (i, id, reason) in sum.failures.iter().take(200) {
            let _ = writeln!(
                s,
                "<li><a href=\"#d{i}\">{}</a>: {}</li>",
                escape(id),
                escape(reason)
            );
        }
        if sum.failures.len() > 200 {
            let _ = writeln!(s, "<li>and {} more</li>", sum.failures.len() - 200);
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::{Claim, Entity, Stance};
    use crate::io::RecordError;

    fn entity(text: &str, doc: &str, label: Label, canonical: &str) -> Entity {
        let b = doc.find(text).unwrap();
        let map = OffsetMap::new(doc);
        let sp = map.span_from_bytes(b, b + text.len());
        Entity {
            text: text.into(),
            label,
            start: sp.start,
            end: sp.end,
            byte_start: b,
            byte_end: b + text.len(),
            score: 0.97,
            canonical: canonical.into(),
        }
    }

    fn sample() -> Annotation {
        let text = "Lavrov dijo que Rusia rechaza las sanciones de <EE. UU.> & \"aliados\".";
        let map = OffsetMap::new(text);
        let cue = map.span_from_bytes(7, 11);
        Annotation {
            id: "doc<1>".into(),
            text: text.into(),
            entities: vec![
                entity("Lavrov", text, Label::Per, "Sergey Lavrov"),
                entity("Rusia", text, Label::State, "Rusia"),
                entity("EE. UU.", text, Label::State, "Estados Unidos"),
            ],
            claims: vec![Claim {
                speaker: vec!["Sergey Lavrov".into()],
                cue: Some("dijo".into()),
                cue_start: Some(cue.start),
                cue_end: Some(cue.end),
                content: "Rusia rechaza las sanciones de <EE. UU.>".into(),
                content_start: 16,
                content_end: 56,
                mode: Mode::Indirect,
                stances: vec![Stance {
                    target: "Estados Unidos".into(),
                    polarity: Polarity::Oppose,
                }],
            }],
            ..Default::default()
        }
    }

    #[test]
    fn the_header_names_the_versions_that_made_the_report() {
        let model = crate::ModelInfo {
            dir: "/m".into(),
            source: crate::model_location::ModelSource::Explicit,
            version: Some("9.8.7".into()),
        };
        let html = String::from_utf8(
            HtmlReport::with_model(Vec::new(), "t", &model)
                .unwrap()
                .finish()
                .unwrap(),
        )
        .unwrap();
        assert!(
            html.contains(&format!(
                "portavoz {} · model portavoz-ner-es 9.8.7 ·",
                crate::VERSION
            )),
            "{html}"
        );
        let html = render(&[], "t");
        assert!(
            html.contains(&format!(
                "portavoz {} (model not recorded in the annotations)",
                crate::VERSION
            )),
            "{html}"
        );
    }

    #[test]
    fn escapes_everything() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn report_highlights_entities_and_cues() {
        let html = render(&[OutputRecord::Annotation(sample())], "Prueba <1>");
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.ends_with("</html>\n"));
        assert!(html.contains("<title>Prueba &lt;1&gt;</title>"));
        assert!(html.contains(
            "<mark class=\"ent l-PER\" title=\"PER · Sergey Lavrov · score 0.97\">Lavrov<span class=\"tag\">PER</span></mark>"
        ));
        assert!(html.contains("&lt;<mark class=\"ent l-STATE\" title=\"STATE · Estados Unidos · score 0.97\">EE. UU.<span"));
        assert!(
            html.contains("href=\"#d0-c1\" title=\"claim 1: Sergey Lavrov\">dijo<sup>1</sup></a>")
        );
        assert!(html.contains("&amp; &quot;aliados&quot;."));
        assert!(html.contains("<summary>doc&lt;1&gt;"));
        assert!(html.contains("<tr id=\"d0-c1\">"));
        assert!(html.contains("<span class=\"badge b-oppose\">▼ opposes Estados Unidos</span>"));
        // No script, no external resource.
        assert!(!html.contains("<script"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        // Summary: one stance row.
        assert!(html.contains("<tr><td class=\"speaker\">Sergey Lavrov</td><td>Estados Unidos</td><td class=\"num zero\">0</td><td class=\"num opp\">1</td><td><a href=\"#d0\">doc&lt;1&gt;</a></td></tr>"));
    }

    #[test]
    fn bad_offsets_and_overlaps_do_not_break_the_text() {
        let mut a = sample();
        let base = a.entities[0].clone();
        // Out of range, overlapping, and inside a character: none may drop or repeat text.
        a.entities.push(Entity {
            byte_start: 1,
            byte_end: 999,
            start: 1,
            end: 999,
            ..base.clone()
        });
        a.entities.push(Entity {
            byte_start: 2,
            byte_end: 4,
            start: 2,
            end: 4,
            ..base.clone()
        });
        a.claims[0].cue_start = Some(500);
        a.claims[0].cue_end = Some(501);
        a.text = format!("{} ñandú", a.text);
        let n = a.text.len();
        a.entities.push(Entity {
            byte_start: n - 2,
            byte_end: n - 1,
            start: 0,
            end: 0,
            ..base
        });
        let html = render(&[OutputRecord::Annotation(a.clone())], "x");
        let body = html
            .split("<div class=\"text\">")
            .nth(1)
            .unwrap()
            .split("</div>")
            .next()
            .unwrap();
        let mut plain = String::new();
        let mut in_tag = false;
        for c in body
            .replace("<span class=\"tag\">PER</span>", "")
            .replace("<span class=\"tag\">STATE</span>", "")
            .chars()
        {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ if in_tag => {}
                _ => plain.push(c),
            }
        }
        assert_eq!(plain, escape(&a.text));
    }

    #[test]
    fn summary_counts_distinct_documents() {
        let a = sample();
        let mut b = sample();
        b.id = "b".into();
        b.claims[0].stances.push(Stance {
            target: "Estados Unidos".into(),
            polarity: Polarity::Support,
        });
        let err = OutputRecord::Error(ErrorRecord {
            id: "line-3".into(),
            error: RecordError {
                source: "in.jsonl".into(),
                line: Some(3),
                reason: "malformed JSON".into(),
            },
        });
        let mut report = HtmlReport::new(Vec::new(), "t").unwrap();
        report.add(&OutputRecord::Annotation(a)).unwrap();
        report.add(&err).unwrap();
        report.add(&OutputRecord::Annotation(b)).unwrap();
        assert_eq!(
            report.summary().stance_rows(),
            vec![("Sergey Lavrov", "Estados Unidos", 1, 2, 2)]
        );
        assert_eq!(report.summary().documents, 2);
        assert_eq!(report.summary().failed, 1);
        let html = String::from_utf8(report.finish().unwrap()).unwrap();
        assert!(html.contains("<section class=\"error\" id=\"d1\"><b>line-3</b> — not annotated: <span class=\"why\">malformed JSON</span> <span class=\"mode\">(in.jsonl, line 3)</span>"));
        assert!(html.contains("<li><a href=\"#d1\">line-3</a>: malformed JSON</li>"));
        assert!(html.contains("<b>1</b> failed records"));
    }

    #[test]
    fn empty_report_is_valid() {
        let html = render(&[], "vacío");
        assert!(html.contains("<b>0</b> documents"));
        assert!(html.contains("No stances found."));
        assert!(html.ends_with("</html>\n"));
    }
}

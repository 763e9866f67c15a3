//! CoNLL-U reading and writing.
//!
//! The reader accepts the ten-column format of Universal Dependencies: comment lines start with
//! `#`, every word is one tab-separated line, multiword tokens are range lines (`3-4`), empty
//! nodes (`8.1`) are skipped, and a blank line ends a sentence.
//!
//! Conventions of this module:
//! - `_` in UPOS, XPOS, FEATS, DEPREL, DEPS and MISC is read as an empty string; FORM and LEMMA
//!   are kept verbatim, because `_` is also a real form (and its lemma).
//! - `_` in HEAD is read as 0 (the word is not attached yet).
//! - The writer writes every empty field as `_`, and replaces tabs and line breaks inside a
//!   field by spaces, so its output is always valid and reads back to the same sentences.

use std::fmt;

/// One syntactic word (a line whose ID is a single integer).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    /// 1-based position of the word in its sentence.
    pub id: usize,
    pub form: String,
    pub lemma: String,
    pub upos: String,
    pub xpos: String,
    pub feats: String,
    /// ID of the head word; 0 is the root.
    pub head: usize,
    pub deprel: String,
    pub deps: String,
    pub misc: String,
}

/// A multiword token: a range line such as `3-4 del _ …` (tab-separated) covering words
/// `first..=last`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiwordToken {
    pub first: usize,
    pub last: usize,
    pub form: String,
    pub misc: String,
}

/// One sentence: its comments, words and multiword tokens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sentence {
    /// Comment lines without the leading `#` and at most one following space,
    /// e.g. `text = Hola.` for the line `# text = Hola.`.
    pub comments: Vec<String>,
    pub words: Vec<Word>,
    pub multiword: Vec<MultiwordToken>,
}

impl Sentence {
    /// The value of the `text = …` comment, if the sentence has one.
    pub fn text(&self) -> Option<&str> {
        self.comment_value("text")
    }

    /// The value of the `sent_id = …` comment, if the sentence has one.
    pub fn sent_id(&self) -> Option<&str> {
        self.comment_value("sent_id")
    }

    /// The value of the first `key = value` comment with this key.
    pub fn comment_value(&self, key: &str) -> Option<&str> {
        self.comments.iter().find_map(|comment| {
            let rest = comment.strip_prefix(key)?;
            let value = rest.trim_start().strip_prefix('=')?;
            Some(value.strip_prefix(' ').unwrap_or(value))
        })
    }

    /// The multiword token that starts at word `id`, if any.
    pub fn multiword_starting_at(&self, id: usize) -> Option<&MultiwordToken> {
        self.multiword.iter().find(|token| token.first == id)
    }
}

/// A malformed CoNLL-U line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConlluError {
    /// 1-based line number in the input.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConlluError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CoNLL-U line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ConlluError {}

/// Sentence being read, with the line numbers needed to report errors found at its end.
#[derive(Default)]
struct PendingSentence {
    sentence: Sentence,
    word_lines: Vec<usize>,
    multiword_lines: Vec<usize>,
}

impl PendingSentence {
    fn is_empty(&self) -> bool {
        self.sentence.words.is_empty() && self.sentence.multiword.is_empty()
    }

    /// Checks what can only be checked once all words are known.
    fn finish(self) -> Result<Sentence, ConlluError> {
        let word_count = self.sentence.words.len();
        for (word, &line) in self.sentence.words.iter().zip(&self.word_lines) {
            if word.head > word_count {
                return Err(ConlluError {
                    line,
                    message: format!(
                        "HEAD {} points outside the sentence of {word_count} words",
                        word.head
                    ),
                });
            }
        }
        for (token, &line) in self.sentence.multiword.iter().zip(&self.multiword_lines) {
            if token.last > word_count {
                return Err(ConlluError {
                    line,
                    message: format!(
                        "multiword token {}-{} goes past the last word {word_count}",
                        token.first, token.last
                    ),
                });
            }
        }
        Ok(self.sentence)
    }
}

/// Reads all sentences of a CoNLL-U document.
///
/// Comment lines that come before the first word of a sentence belong to that sentence; a block
/// made of comments only is attached to the next sentence (and dropped at the end of the
/// input). The last sentence need not be followed by a blank line.
pub fn read(input: &str) -> Result<Vec<Sentence>, ConlluError> {
    let mut sentences = Vec::new();
    let mut pending = PendingSentence::default();
    for (index, raw_line) in input.split('\n').enumerate() {
        let line_number = index + 1;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        if line.trim().is_empty() {
            if !pending.is_empty() {
                sentences.push(std::mem::take(&mut pending).finish()?);
            }
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.strip_prefix(' ').unwrap_or(comment);
            pending.sentence.comments.push(comment.to_string());
            continue;
        }
        read_token_line(line, line_number, &mut pending)?;
    }
    if !pending.is_empty() {
        sentences.push(pending.finish()?);
    }
    Ok(sentences)
}

fn read_token_line(
    line: &str,
    line_number: usize,
    pending: &mut PendingSentence,
) -> Result<(), ConlluError> {
    let error = |message: String| ConlluError {
        line: line_number,
        message,
    };
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() != 10 {
        return Err(error(format!(
            "expected 10 tab-separated fields, found {}",
            fields.len()
        )));
    }
    let id = fields[0];
    let next_id = pending.sentence.words.len() + 1;
    if id.contains('.') {
        // Empty node of the enhanced graph: not part of the basic tree.
        return Ok(());
    }
    if let Some((first, last)) = id.split_once('-') {
        let first =
            parse_id(first).ok_or_else(|| error(format!("bad multiword token range '{id}'")))?;
        let last =
            parse_id(last).ok_or_else(|| error(format!("bad multiword token range '{id}'")))?;
        if last < first {
            return Err(error(format!(
                "multiword token range '{id}' ends before it starts"
            )));
        }
        if first != next_id {
            return Err(error(format!(
                "multiword token range '{id}' should start at word {next_id}"
            )));
        }
        pending.sentence.multiword.push(MultiwordToken {
            first,
            last,
            form: fields[1].to_string(),
            misc: optional_field(fields[9]),
        });
        pending.multiword_lines.push(line_number);
        return Ok(());
    }
    let word_id = parse_id(id).ok_or_else(|| error(format!("bad word ID '{id}'")))?;
    if word_id != next_id {
        return Err(error(format!(
            "word ID {word_id} where {next_id} was expected"
        )));
    }
    let head = match fields[6] {
        "_" => 0,
        text => text
            .parse::<usize>()
            .map_err(|_| error(format!("bad HEAD '{text}'")))?,
    };
    pending.sentence.words.push(Word {
        id: word_id,
        form: fields[1].to_string(),
        lemma: fields[2].to_string(),
        upos: optional_field(fields[3]),
        xpos: optional_field(fields[4]),
        feats: optional_field(fields[5]),
        head,
        deprel: optional_field(fields[7]),
        deps: optional_field(fields[8]),
        misc: optional_field(fields[9]),
    });
    pending.word_lines.push(line_number);
    Ok(())
}

/// A positive integer ID.
fn parse_id(text: &str) -> Option<usize> {
    let value = text.parse::<usize>().ok()?;
    (value >= 1).then_some(value)
}

fn optional_field(text: &str) -> String {
    if text == "_" {
        String::new()
    } else {
        text.to_string()
    }
}

/// Writes sentences as a CoNLL-U document (each sentence followed by a blank line).
pub fn write(sentences: &[Sentence]) -> String {
    let mut out = String::new();
    for sentence in sentences {
        write_sentence(&mut out, sentence);
    }
    out
}

/// Appends one sentence, followed by a blank line, to `out`.
///
/// Multiword tokens are written right before their first word; tokens whose first word does
/// not exist are written after the last word so that no data is lost.
pub fn write_sentence(out: &mut String, sentence: &Sentence) {
    for comment in &sentence.comments {
        out.push_str("# ");
        out.push_str(&single_line(comment));
        out.push('\n');
    }
    let mut multiword: Vec<&MultiwordToken> = sentence.multiword.iter().collect();
    multiword.sort_by_key(|token| (token.first, token.last));
    let mut next_multiword = 0;
    for word in &sentence.words {
        while let Some(token) = multiword
            .get(next_multiword)
            .filter(|token| token.first <= word.id)
        {
            write_multiword_line(out, token);
            next_multiword += 1;
        }
        write_word_line(out, word);
    }
    for token in &multiword[next_multiword..] {
        write_multiword_line(out, token);
    }
    out.push('\n');
}

fn write_multiword_line(out: &mut String, token: &MultiwordToken) {
    let range = format!("{}-{}", token.first, token.last);
    let fields = [
        range.as_str(),
        &token.form,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        &token.misc,
    ];
    write_fields(out, &fields);
}

fn write_word_line(out: &mut String, word: &Word) {
    let id = word.id.to_string();
    let head = word.head.to_string();
    let fields = [
        id.as_str(),
        &word.form,
        &word.lemma,
        &word.upos,
        &word.xpos,
        &word.feats,
        &head,
        &word.deprel,
        &word.deps,
        &word.misc,
    ];
    write_fields(out, &fields);
}

fn write_fields(out: &mut String, fields: &[&str]) {
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            out.push('\t');
        }
        if field.is_empty() {
            out.push('_');
        } else {
            out.push_str(&single_field(field));
        }
    }
    out.push('\n');
}

/// The text with tabs and line breaks replaced by spaces.
fn single_field(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, '\t' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// The text with line breaks replaced by spaces.
fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# sent_id = prueba-1\n\
# text = Volvió del mercado.\n\
1\tVolvió\tvolver\tVERB\t_\tMood=Ind|Number=Sing\t0\troot\t_\t_\n\
2-3\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n\
2\tde\tde\tADP\t_\t_\t4\tcase\t_\t_\n\
3\tel\tel\tDET\t_\tDefinite=Def\t4\tdet\t_\t_\n\
4\tmercado\tmercado\tNOUN\t_\tGender=Masc\t1\tobl\t_\tSpaceAfter=No\n\
4.1\tfue\tir\tVERB\t_\t_\t_\t_\t1:conj\t_\n\
5\t.\t.\tPUNCT\t_\t_\t1\tpunct\t_\t_\n\
\n\
# text = Llueve.\n\
1\tLlueve\tllover\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No\n\
2\t.\t.\tPUNCT\t_\t_\t1\tpunct\t_\t_\n";

    #[test]
    fn reads_words_comments_and_multiword_tokens() {
        let sentences = read(SAMPLE).expect("valid sample");
        assert_eq!(sentences.len(), 2);
        let first = &sentences[0];
        assert_eq!(first.sent_id(), Some("prueba-1"));
        assert_eq!(first.text(), Some("Volvió del mercado."));
        assert_eq!(first.words.len(), 5, "the empty node 4.1 is skipped");
        assert_eq!(first.words[1].form, "de");
        assert_eq!(first.words[3].head, 1);
        assert_eq!(first.words[3].misc, "SpaceAfter=No");
        assert_eq!(first.words[0].xpos, "", "'_' is read as empty");
        assert_eq!(
            first.multiword,
            vec![MultiwordToken {
                first: 2,
                last: 3,
                form: "del".into(),
                misc: String::new()
            }]
        );
        assert_eq!(sentences[1].text(), Some("Llueve."));
        assert_eq!(sentences[1].sent_id(), None);
    }

    #[test]
    fn write_then_read_round_trips() {
        let sentences = read(SAMPLE).expect("valid sample");
        let written = write(&sentences);
        assert_eq!(read(&written).expect("own output is valid"), sentences);
        assert!(written.contains("2-3\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n2\tde\t"));
    }

    #[test]
    fn writer_keeps_lines_valid() {
        let sentence = Sentence {
            comments: vec!["text = dos\nlíneas".into(), "".into()],
            words: vec![Word {
                id: 1,
                form: "a\tb\nc".into(),
                lemma: "abc".into(),
                ..Word::default()
            }],
            multiword: vec![],
        };
        let written = write(std::slice::from_ref(&sentence));
        let back = read(&written).expect("valid output");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].words[0].form, "a b c");
        assert_eq!(back[0].words[0].upos, "");
        assert_eq!(
            back[0].comments,
            vec!["text = dos líneas".to_string(), String::new()]
        );
    }

    #[test]
    fn underscore_form_is_kept() {
        let sentences = read("1\t_\t_\tPUNCT\t_\t_\t0\troot\t_\t_\n").expect("valid");
        assert_eq!(sentences[0].words[0].form, "_");
        assert_eq!(sentences[0].words[0].lemma, "_");
        assert_eq!(read(&write(&sentences)).expect("valid"), sentences);
    }

    #[test]
    fn handles_crlf_and_missing_final_blank_line() {
        let input = "# text = Sí\r\n1\tSí\tsí\tADV\t_\t_\t0\troot\t_\t_\r\n";
        let sentences = read(input).expect("valid");
        assert_eq!(sentences.len(), 1);
        assert_eq!(sentences[0].text(), Some("Sí"));
        assert_eq!(sentences[0].words[0].misc, "");
    }

    #[test]
    fn reports_malformed_lines_with_their_number() {
        let cases = [
            ("1\tuno\tuno\n", 1, "10 tab-separated"),
            (
                "# c\n1\tuno\t_\t_\t_\t_\t0\troot\t_\t_\nx\tdos\t_\t_\t_\t_\t1\tdep\t_\t_\n",
                3,
                "bad word ID",
            ),
            (
                "1\tuno\t_\t_\t_\t_\t0\troot\t_\t_\n3\ttres\t_\t_\t_\t_\t1\tdep\t_\t_\n",
                2,
                "expected",
            ),
            ("1\tuno\t_\t_\t_\t_\tcero\troot\t_\t_\n", 1, "bad HEAD"),
            ("1\tuno\t_\t_\t_\t_\t5\troot\t_\t_\n\n", 1, "outside"),
            (
                "1-2\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n1\tde\t_\t_\t_\t_\t0\troot\t_\t_\n",
                1,
                "past the last word",
            ),
            ("2-1\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n", 1, "ends before"),
            ("0\tcero\t_\t_\t_\t_\t0\troot\t_\t_\n", 1, "bad word ID"),
        ];
        for (input, line, fragment) in cases {
            let error = read(input).expect_err(input);
            assert_eq!(error.line, line, "{input:?}: {error}");
            assert!(error.message.contains(fragment), "{input:?}: {error}");
            assert!(error
                .to_string()
                .starts_with(&format!("CoNLL-U line {line}:")));
        }
    }

    #[test]
    fn empty_and_comment_only_inputs() {
        assert_eq!(read("").expect("valid"), vec![]);
        assert_eq!(read("\n\n  \n").expect("valid"), vec![]);
        let sentences =
            read("# newdoc\n\n# text = Ya\n1\tYa\tya\tADV\t_\t_\t0\troot\t_\t_\n").expect("valid");
        assert_eq!(sentences.len(), 1);
        assert_eq!(
            sentences[0].comments,
            vec!["newdoc".to_string(), "text = Ya".to_string()]
        );
    }

    #[test]
    fn comment_value_parsing() {
        let sentence = Sentence {
            comments: vec!["textual = no".into(), "text=junto".into()],
            ..Sentence::default()
        };
        assert_eq!(sentence.text(), Some("junto"));
    }
}

//! The metrics of the CoNLL 2018 shared task (as `conll18_ud_eval.py` computes them).
//!
//! [`evaluate`] aligns system words to gold words through the text: both sides' token forms are
//! concatenated with space characters (Unicode category Zs) removed, tokens are compared by
//! character span, and words inside multiword tokens are aligned by the longest common
//! subsequence of their lowercased forms. Every score is an F1 in percent:
//! `2 · correct / (gold words + system words)`. [`evaluate_gold_tokens`] is the setting where
//! the system got the gold tokenization and words are compared position by position.
//!
//! Unlike the official script, these functions do not reject trees with cycles or several
//! roots: they only score the heads they are given.

use crate::syntax::conllu::{Sentence, Word};

/// Features that count for UFeats (the universal ones, as listed by the CoNLL 2018 script).
const UNIVERSAL_FEATURES: [&str; 21] = [
    "PronType", "NumType", "Poss", "Reflex", "Foreign", "Abbr", "Gender", "Animacy", "Number",
    "Case", "Definite", "Degree", "VerbForm", "Mood", "Tense", "Aspect", "Voice", "Evident",
    "Polarity", "Person", "Polite",
];

/// Scores of a system's sentences against the gold ones. All scores are F1 in percent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scores {
    /// Number of gold words.
    pub words_gold: usize,
    /// Number of system words.
    pub words_system: usize,
    /// Number of system words aligned to a gold word.
    pub aligned: usize,
    /// Tokens whose character span matches a gold token.
    pub tokens: f64,
    /// Sentences whose character span matches a gold sentence.
    pub sentences: f64,
    /// Aligned words.
    pub words: f64,
    /// Aligned words with the gold UPOS.
    pub upos: f64,
    /// Aligned words with the gold universal features.
    pub ufeats: f64,
    /// Aligned words with the gold lemma (a gold lemma `_` accepts any lemma).
    pub lemma: f64,
    /// Aligned words whose head is aligned to the gold head (or both are the root).
    pub uas: f64,
    /// UAS plus the same universal relation (the part of DEPREL before `:`).
    pub las: f64,
}

/// Scores `system` against `gold`, aligning the words through the text.
///
/// Fails when the two sides' texts (without spaces) differ, naming the first difference, when
/// a token form is empty once spaces are removed, or when a HEAD points outside its sentence.
pub fn evaluate(gold: &[Sentence], system: &[Sentence]) -> Result<Scores, String> {
    let gold = Flattened::new(gold).map_err(|error| format!("gold: {error}"))?;
    let system = Flattened::new(system).map_err(|error| format!("system: {error}"))?;
    if gold.characters != system.characters {
        return Err(text_difference(&gold.characters, &system.characters));
    }
    let pairs = align_words(&gold.words, &system.words);
    let mut gold_of_system = vec![None; system.words.len()];
    for &(gold_index, system_index) in &pairs {
        gold_of_system[system_index] = Some(gold_index);
    }
    let mut counts = Counts::default();
    for &(gold_index, system_index) in &pairs {
        let gold_word = &gold.words[gold_index];
        let system_word = &system.words[system_index];
        let head_correct = match (gold_word.parent, system_word.parent) {
            (None, None) => true,
            (Some(gold_parent), Some(system_parent)) => {
                gold_of_system[system_parent] == Some(gold_parent)
            }
            _ => false,
        };
        counts.add(gold_word.word, system_word.word, head_correct);
    }
    Ok(Scores {
        tokens: span_f1(&gold.tokens, &system.tokens),
        sentences: span_f1(&gold.sentences, &system.sentences),
        ..counts.scores(gold.words.len(), system.words.len())
    })
}

/// Scores `system` against `gold` when the system was given the gold tokenization: the same
/// number of sentences and, in each, the same number of words are required, and words are
/// compared position by position. Tokens are compared by their word ranges (multiword tokens
/// and single words).
pub fn evaluate_gold_tokens(gold: &[Sentence], system: &[Sentence]) -> Result<Scores, String> {
    if gold.len() != system.len() {
        return Err(format!(
            "{} gold sentences but {} system sentences",
            gold.len(),
            system.len()
        ));
    }
    let mut counts = Counts::default();
    let mut token_counts = (0usize, 0usize, 0usize);
    let mut word_total = 0;
    for (index, (gold_sentence, system_sentence)) in gold.iter().zip(system).enumerate() {
        if gold_sentence.words.len() != system_sentence.words.len() {
            return Err(format!(
                "sentence {}: {} gold words but {} system words",
                index + 1,
                gold_sentence.words.len(),
                system_sentence.words.len()
            ));
        }
        word_total += gold_sentence.words.len();
        for (gold_word, system_word) in gold_sentence.words.iter().zip(&system_sentence.words) {
            counts.add(gold_word, system_word, gold_word.head == system_word.head);
        }
        let gold_tokens = token_ranges(gold_sentence);
        let system_tokens = token_ranges(system_sentence);
        token_counts.0 += gold_tokens.len();
        token_counts.1 += system_tokens.len();
        token_counts.2 += gold_tokens
            .iter()
            .filter(|range| system_tokens.contains(range))
            .count();
    }
    Ok(Scores {
        tokens: f1(token_counts.2, token_counts.0, token_counts.1),
        sentences: f1(gold.len(), gold.len(), system.len()),
        ..counts.scores(word_total, word_total)
    })
}

/// Correct counts over aligned word pairs.
#[derive(Default)]
struct Counts {
    aligned: usize,
    upos: usize,
    ufeats: usize,
    lemma: usize,
    uas: usize,
    las: usize,
}

impl Counts {
    fn add(&mut self, gold: &Word, system: &Word, head_correct: bool) {
        self.aligned += 1;
        self.upos += usize::from(gold.upos == system.upos);
        self.ufeats +=
            usize::from(universal_features(&gold.feats) == universal_features(&system.feats));
        let gold_lemma_unknown = gold.lemma.is_empty() || gold.lemma == "_";
        self.lemma += usize::from(gold_lemma_unknown || gold.lemma == system.lemma);
        if head_correct {
            self.uas += 1;
            self.las +=
                usize::from(universal_relation(&gold.deprel) == universal_relation(&system.deprel));
        }
    }

    fn scores(&self, words_gold: usize, words_system: usize) -> Scores {
        let score = |correct| f1(correct, words_gold, words_system);
        Scores {
            words_gold,
            words_system,
            aligned: self.aligned,
            tokens: 0.0,
            sentences: 0.0,
            words: score(self.aligned),
            upos: score(self.upos),
            ufeats: score(self.ufeats),
            lemma: score(self.lemma),
            uas: score(self.uas),
            las: score(self.las),
        }
    }
}

/// F1 in percent of `correct` items out of `gold` expected and `system` produced.
fn f1(correct: usize, gold: usize, system: usize) -> f64 {
    if gold + system == 0 {
        0.0
    } else {
        200.0 * correct as f64 / (gold + system) as f64
    }
}

/// Universal features only, sorted, joined with `|`.
fn universal_features(feats: &str) -> String {
    let mut kept: Vec<&str> = feats
        .split('|')
        .filter(|feature| {
            let name = feature.split('=').next().unwrap_or_default();
            UNIVERSAL_FEATURES.contains(&name)
        })
        .collect();
    kept.sort_unstable();
    kept.join("|")
}

/// The universal part of a relation: `obl` for `obl:arg`.
fn universal_relation(deprel: &str) -> &str {
    deprel.split(':').next().unwrap_or_default()
}

/// Word ranges `(first, last)` of a sentence's tokens.
fn token_ranges(sentence: &Sentence) -> Vec<(usize, usize)> {
    let word_count = sentence.words.len();
    let mut ranges = Vec::new();
    let mut id = 1;
    while id <= word_count {
        let last = multiword_last(sentence, id).unwrap_or(id);
        ranges.push((id, last));
        id = last + 1;
    }
    ranges
}

/// Last word of the multiword token starting at word `id`, clamped to the sentence.
fn multiword_last(sentence: &Sentence, id: usize) -> Option<usize> {
    let token = sentence
        .multiword
        .iter()
        .find(|token| token.first == id && token.last >= id)?;
    Some(token.last.min(sentence.words.len()))
}

/// Whether a character is a space separator (Unicode category Zs).
fn is_space_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

fn without_spaces(text: &str) -> Vec<char> {
    text.chars().filter(|&c| !is_space_separator(c)).collect()
}

fn text_difference(gold: &[char], system: &[char]) -> String {
    let index = gold.iter().zip(system).take_while(|(a, b)| a == b).count();
    let excerpt = |chars: &[char]| chars.iter().skip(index).take(20).collect::<String>();
    format!(
        "the texts differ at character {index} (spaces removed): gold '{}', system '{}'",
        excerpt(gold),
        excerpt(system)
    )
}

/// Half-open character span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

/// A word placed in the concatenated text of its side.
struct PlacedWord<'a> {
    word: &'a Word,
    /// Span of the word's token (the whole multiword token for its words).
    span: Span,
    multiword: bool,
    /// Index of the head word in the flattened list; `None` for the root.
    parent: Option<usize>,
    /// Lowercased form, compared inside multiword spans.
    form_lower: String,
}

/// All sentences of one side as one character sequence with spans.
struct Flattened<'a> {
    characters: Vec<char>,
    tokens: Vec<Span>,
    sentences: Vec<Span>,
    words: Vec<PlacedWord<'a>>,
}

impl<'a> Flattened<'a> {
    fn new(sentences: &'a [Sentence]) -> Result<Self, String> {
        let mut flat = Flattened {
            characters: Vec::new(),
            tokens: Vec::new(),
            sentences: Vec::new(),
            words: Vec::new(),
        };
        for (sentence_index, sentence) in sentences.iter().enumerate() {
            let sentence_start = flat.characters.len();
            let first_word = flat.words.len();
            let word_count = sentence.words.len();
            let mut id = 1;
            while id <= word_count {
                let multiword_last = multiword_last(sentence, id);
                let token_form = match (multiword_last, sentence.multiword_starting_at(id)) {
                    (Some(_), Some(token)) => &token.form,
                    _ => &sentence.words[id - 1].form,
                };
                let form = without_spaces(token_form);
                if form.is_empty() {
                    return Err(format!(
                        "sentence {}: empty form at word {id}",
                        sentence_index + 1
                    ));
                }
                let span = Span {
                    start: flat.characters.len(),
                    end: flat.characters.len() + form.len(),
                };
                flat.characters.extend(form);
                flat.tokens.push(span);
                let last = multiword_last.unwrap_or(id);
                for word in &sentence.words[id - 1..last] {
                    let parent = match word.head {
                        0 => None,
                        head if head <= word_count => Some(first_word + head - 1),
                        head => {
                            return Err(format!(
                                "sentence {}: word {} has HEAD {head} outside the sentence",
                                sentence_index + 1,
                                word.id
                            ))
                        }
                    };
                    let form_lower = if multiword_last.is_some() {
                        word.form.to_lowercase()
                    } else {
                        without_spaces(&word.form)
                            .into_iter()
                            .collect::<String>()
                            .to_lowercase()
                    };
                    flat.words.push(PlacedWord {
                        word,
                        span,
                        multiword: multiword_last.is_some(),
                        parent,
                        form_lower,
                    });
                }
                id = last + 1;
            }
            if word_count > 0 {
                flat.sentences.push(Span {
                    start: sentence_start,
                    end: flat.characters.len(),
                });
            }
        }
        Ok(flat)
    }
}

/// Matching pairs of spans: F1 over spans with the same start and end.
fn span_f1(gold: &[Span], system: &[Span]) -> f64 {
    let (mut correct, mut g, mut s) = (0, 0, 0);
    while g < gold.len() && s < system.len() {
        if system[s].start < gold[g].start {
            s += 1;
        } else if gold[g].start < system[s].start {
            g += 1;
        } else {
            correct += usize::from(gold[g].end == system[s].end);
            g += 1;
            s += 1;
        }
    }
    f1(correct, gold.len(), system.len())
}

/// Aligned `(gold index, system index)` pairs, in order.
fn align_words(gold: &[PlacedWord<'_>], system: &[PlacedWord<'_>]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let (mut g, mut s) = (0, 0);
    while g < gold.len() && s < system.len() {
        if gold[g].multiword || system[s].multiword {
            let (gold_start, system_start, gold_end, system_end) =
                multiword_region(gold, system, g, s);
            align_by_forms(
                &gold[gold_start..gold_end],
                &system[system_start..system_end],
                |dg, ds| {
                    pairs.push((gold_start + dg, system_start + ds));
                },
            );
            g = gold_end;
            s = system_end;
        } else if gold[g].span == system[s].span {
            pairs.push((g, s));
            g += 1;
            s += 1;
        } else if gold[g].span.start <= system[s].span.start {
            g += 1;
        } else {
            s += 1;
        }
    }
    pairs
}

/// The smallest stretch of words on both sides around a multiword token that ends at the same
/// character on both sides: `(gold start, system start, gold end, system end)`, ends exclusive.
fn multiword_region(
    gold: &[PlacedWord<'_>],
    system: &[PlacedWord<'_>],
    mut g: usize,
    mut s: usize,
) -> (usize, usize, usize, usize) {
    let mut end;
    if gold[g].multiword {
        end = gold[g].span.end;
        if !system[s].multiword && system[s].span.start < gold[g].span.start {
            s += 1;
        }
    } else {
        end = system[s].span.end;
        if !gold[g].multiword && gold[g].span.start < system[s].span.start {
            g += 1;
        }
    }
    let (gold_start, system_start) = (g, s);
    while !beyond_end(gold, g, end) || !beyond_end(system, s, end) {
        if g < gold.len() && (s >= system.len() || gold[g].span.start <= system[s].span.start) {
            end = extended_end(&gold[g], end);
            g += 1;
        } else {
            end = extended_end(&system[s], end);
            s += 1;
        }
    }
    (gold_start, system_start, g, s)
}

fn beyond_end(words: &[PlacedWord<'_>], index: usize, end: usize) -> bool {
    match words.get(index) {
        None => true,
        Some(word) if word.multiword => word.span.start >= end,
        Some(word) => word.span.end > end,
    }
}

fn extended_end(word: &PlacedWord<'_>, end: usize) -> usize {
    if word.multiword {
        end.max(word.span.end)
    } else {
        end
    }
}

/// Aligns two short word lists by the longest common subsequence of their lowercased forms,
/// calling `aligned(gold offset, system offset)` for each matched pair.
fn align_by_forms(
    gold: &[PlacedWord<'_>],
    system: &[PlacedWord<'_>],
    mut aligned: impl FnMut(usize, usize),
) {
    let (rows, cols) = (gold.len(), system.len());
    if rows == 0 || cols == 0 {
        return;
    }
    // lcs[g][s]: LCS length of gold[g..] and system[s..]; one extra row and column of zeros.
    let width = cols + 1;
    let mut lcs = vec![0usize; (rows + 1) * width];
    for g in (0..rows).rev() {
        for s in (0..cols).rev() {
            let value = if gold[g].form_lower == system[s].form_lower {
                1 + lcs[(g + 1) * width + s + 1]
            } else {
                0
            };
            lcs[g * width + s] = value
                .max(lcs[(g + 1) * width + s])
                .max(lcs[g * width + s + 1]);
        }
    }
    let (mut g, mut s) = (0, 0);
    while g < rows && s < cols {
        if gold[g].form_lower == system[s].form_lower {
            aligned(g, s);
            g += 1;
            s += 1;
        } else if lcs[g * width + s] == lcs[(g + 1) * width + s] {
            g += 1;
        } else {
            s += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::conllu::read;

    /// "Volvió del mercado." with `del` split into `de el`.
    const GOLD: &str = "# text = Volvió del mercado.\n\
1\tVolvió\tvolver\tVERB\t_\tMood=Ind|Tense=Past\t0\troot\t_\t_\n\
2-3\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n\
2\tde\tde\tADP\t_\t_\t4\tcase\t_\t_\n\
3\tel\tel\tDET\t_\tDefinite=Def\t4\tdet\t_\t_\n\
4\tmercado\tmercado\tNOUN\t_\tGender=Masc\t1\tobl:arg\t_\tSpaceAfter=No\n\
5\t.\t.\tPUNCT\t_\t_\t1\tpunct\t_\t_\n\
\n\
1\tLlueve\tllover\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No\n\
2\t.\t.\tPUNCT\t_\t_\t1\tpunct\t_\t_\n";

    fn gold() -> Vec<Sentence> {
        read(GOLD).expect("valid test data")
    }

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() < 1e-9
    }

    #[test]
    fn identical_sentences_score_100() {
        for scores in [
            evaluate(&gold(), &gold()),
            evaluate_gold_tokens(&gold(), &gold()),
        ] {
            let scores = scores.expect("same text");
            assert_eq!(
                (scores.words_gold, scores.words_system, scores.aligned),
                (7, 7, 7)
            );
            for value in [
                scores.tokens,
                scores.sentences,
                scores.words,
                scores.upos,
                scores.ufeats,
                scores.lemma,
                scores.uas,
                scores.las,
            ] {
                assert!(close(value, 100.0), "{scores:?}");
            }
        }
    }

    #[test]
    fn a_wrong_head_lowers_uas_and_las_only() {
        let mut system = gold();
        system[0].words[4].head = 4; // the full stop now hangs from "mercado"
        for scores in [
            evaluate(&gold(), &system),
            evaluate_gold_tokens(&gold(), &system),
        ] {
            let scores = scores.expect("same text");
            assert!(close(scores.uas, 600.0 / 7.0), "{scores:?}");
            assert!(close(scores.las, 600.0 / 7.0));
            assert!(close(scores.upos, 100.0));
        }
    }

    #[test]
    fn label_subtypes_and_language_specific_features_are_ignored() {
        let mut system = gold();
        system[0].words[3].deprel = "obl".into();
        system[0].words[0].feats = "Mood=Ind|Tense=Past|Foo=Bar".into();
        system[0].words[1].deprel = "mark".into();
        system[0].words[1].lemma = "da".into();
        let scores = evaluate(&gold(), &system).expect("same text");
        assert!(close(scores.ufeats, 100.0));
        assert!(close(scores.uas, 100.0));
        assert!(close(scores.las, 600.0 / 7.0));
        assert!(close(scores.lemma, 600.0 / 7.0));
    }

    #[test]
    fn gold_lemma_underscore_accepts_anything() {
        let mut gold = gold();
        gold[1].words[0].lemma = "_".into();
        let mut system = self::gold();
        system[1].words[0].lemma = "lluever".into();
        assert!(close(
            evaluate(&gold, &system).expect("same text").lemma,
            100.0
        ));
    }

    #[test]
    fn unsplit_contraction_is_aligned_by_text() {
        // The system keeps "del" as one word attached to "mercado".
        let system = read(
            "1\tVolvió\tvolver\tVERB\t_\t_\t0\troot\t_\t_\n\
2\tdel\tdel\tADP\t_\t_\t3\tcase\t_\t_\n\
3\tmercado\tmercado\tNOUN\t_\t_\t1\tobl\t_\t_\n\
4\t.\t.\tPUNCT\t_\t_\t1\tpunct\t_\t_\n\
\n\
1\tLlueve\tllover\tVERB\t_\t_\t0\troot\t_\t_\n\
2\t.\t.\tPUNCT\t_\t_\t1\tpunct\t_\t_\n",
        )
        .expect("valid");
        let scores = evaluate(&gold(), &system).expect("same text");
        assert_eq!(
            (scores.words_gold, scores.words_system, scores.aligned),
            (7, 6, 5)
        );
        assert!(close(scores.words, 1000.0 / 13.0));
        assert!(
            close(scores.tokens, 100.0),
            "del is one token on both sides"
        );
        assert!(close(scores.uas, 1000.0 / 13.0));
        assert!(evaluate_gold_tokens(&gold(), &system).is_err());
    }

    #[test]
    fn split_contraction_words_align_by_form() {
        // The system splits "del" into "de" + "el" as well, but attaches "el" elsewhere.
        let mut system = gold();
        system[0].words[2].head = 1;
        system[0].words[2].form = "EL".into();
        let scores = evaluate(&gold(), &system).expect("same text");
        assert_eq!(scores.aligned, 7, "lowercased forms match");
        assert!(close(scores.uas, 600.0 / 7.0));
    }

    #[test]
    fn different_tokenization_and_sentence_split() {
        let system = read(
            "1\tVolvió\tvolver\tVERB\t_\t_\t0\troot\t_\t_\n\
2\tdel\tdel\tADP\t_\t_\t1\tcase\t_\t_\n\
3\tmercado.\tmercado\tNOUN\t_\t_\t1\tobl\t_\t_\n\
4\tLlueve\tllover\tVERB\t_\t_\t1\tparataxis\t_\t_\n\
5\t.\t.\tPUNCT\t_\t_\t1\tpunct\t_\t_\n",
        )
        .expect("valid");
        let scores = evaluate(&gold(), &system).expect("same text");
        assert_eq!(scores.aligned, 3, "Volvió, Llueve and the last full stop");
        assert!(close(scores.sentences, 0.0));
        assert!(
            close(scores.tokens, 200.0 * 4.0 / 11.0),
            "Volvió, del, Llueve and the last full stop"
        );
        assert!(
            close(scores.uas, 200.0 * 1.0 / 12.0),
            "only Volvió keeps its head: {scores:?}"
        );
    }

    #[test]
    fn spaces_inside_forms_are_ignored() {
        let gold = read("1\t10 000\t10000\tNUM\t_\t_\t0\troot\t_\t_\n").expect("valid");
        let system = read("1\t10\u{a0}000\t10000\tNUM\t_\t_\t0\troot\t_\t_\n").expect("valid");
        assert!(close(
            evaluate(&gold, &system).expect("same text").las,
            100.0
        ));
    }

    #[test]
    fn different_texts_are_an_error() {
        let mut system = gold();
        system[1].words[0].form = "Nieva".into();
        let error = evaluate(&gold(), &system).expect_err("texts differ");
        assert!(error.contains("character 17"), "{error}");
        assert!(
            error.contains("'Llueve.'") && error.contains("'Nieva.'"),
            "{error}"
        );
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let mut system = gold();
        system[1].words[0].head = 9;
        assert!(evaluate(&gold(), &system).is_err());
        let mut system = gold();
        system[1].words[1].form = " ".into();
        assert!(evaluate(&gold(), &system)
            .unwrap_err()
            .contains("empty form"));
        let mut system = gold();
        system[0].multiword[0].last = 40;
        assert!(
            evaluate(&gold(), &system).is_err(),
            "text now lacks 'mercado.'"
        );
        assert!(evaluate_gold_tokens(&gold(), &gold()[..1]).is_err());
    }

    #[test]
    fn empty_inputs() {
        let scores = evaluate(&[], &[]).expect("nothing to compare");
        assert_eq!(scores.words_gold, 0);
        assert!(close(scores.las, 0.0));
    }
}

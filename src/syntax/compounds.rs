//! Fixed nouns of several words with an article inside ("alto el fuego"), listed in
//! `compound_nouns.tsv`: the parse often splits them into two phrases ("pidió un alto" + "el
//! fuego" as a second object). Each is made one phrase: its first word heads it where the
//! phrase hung in the tree, the article hangs on the last word, the last word on the first
//! (`flat`), and what hung on any of its words hangs on the first.
use crate::doc::Token;
use once_cell::sync::Lazy;

static COMPOUNDS: Lazy<Vec<Vec<String>>> = Lazy::new(|| {
    include_str!("compound_nouns.tsv")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|w| w.len() >= 2)
        .collect()
});

/// Repairs the listed compounds among one sentence's `tokens`, whose first token is the
/// document's token `first` (heads are document indices). The tree stays a tree.
pub fn repair(tokens: &mut [Token], first: usize) {
    let n = tokens.len();
    for words in COMPOUNDS.iter() {
        let len = words.len();
        let mut a = 0;
        while a + len <= n {
            // (words without a parse are left as they are)
            if !(0..len).all(|k| tokens[a + k].form.to_lowercase() == words[k] && tokens[a + k].deprel != "_") {
                a += 1;
                continue;
            }
            let inside = |g: Option<usize>| g.map_or(false, |g| g >= first + a && g < first + a + len);
            // The phrase's topmost word: its head is outside and no other word of the phrase is
            // above it.
            let above_is_inside = |k: usize| {
                let mut g = tokens[k].head;
                for _ in 0..n {
                    match g {
                        Some(h) if inside(Some(h)) => return true,
                        Some(h) => g = h.checked_sub(first).and_then(|l| tokens.get(l)).and_then(|t| t.head),
                        None => return false,
                    }
                }
                false
            };
            let Some(top) = (a..a + len).find(|&k| !inside(tokens[k].head) && !above_is_inside(k)) else {
                a += len;
                continue;
            };
            let (head, deprel) = (tokens[top].head, tokens[top].deprel.clone());
            let (ga, last) = (first + a, a + len - 1);
            for t in tokens.iter_mut() {
                if inside(t.head) {
                    t.head = Some(ga);
                }
            }
            tokens[a].head = head;
            tokens[a].deprel = deprel;
            tokens[a].upos = "NOUN".into();
            for k in a + 1..last {
                tokens[k].head = Some(first + last);
                tokens[k].deprel = if tokens[k].upos == "DET" { "det".into() } else { "case".into() };
            }
            tokens[last].head = Some(ga);
            tokens[last].deprel = "flat".into();
            a += len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(form: &str, upos: &str, head: Option<usize>, deprel: &str) -> Token {
        Token {
            form: form.into(),
            lemma: form.to_lowercase(),
            upos: upos.into(),
            feats: "_".into(),
            head,
            deprel: deprel.into(),
            start: 0,
            end: 0,
            byte_start: 0,
            byte_end: 0,
            sentence: 0,
            multiword: None,
            entity: "O".into(),
        }
    }

    #[test]
    fn a_split_ceasefire_becomes_one_phrase_and_the_tree_stays_a_tree() {
        // "Pidió un alto el fuego inmediato ." with "alto" and "fuego" both objects
        let mut tokens = vec![
            token("Pidió", "VERB", None, "root"),
            token("un", "DET", Some(2), "det"),
            token("alto", "NOUN", Some(0), "obj"),
            token("el", "DET", Some(4), "det"),
            token("fuego", "NOUN", Some(0), "obj"),
            token("inmediato", "ADJ", Some(4), "amod"),
            token(".", "PUNCT", Some(0), "punct"),
        ];
        repair(&mut tokens, 0);
        assert_eq!((tokens[2].head, tokens[2].deprel.as_str()), (Some(0), "obj"));
        assert_eq!((tokens[4].head, tokens[4].deprel.as_str()), (Some(2), "flat"));
        assert_eq!((tokens[3].head, tokens[3].deprel.as_str()), (Some(4), "det"));
        assert_eq!(tokens[5].head, Some(2));
        assert_eq!(tokens[1].head, Some(2));
        // every word reaches the root
        for k in 0..tokens.len() {
            let mut g = Some(k);
            let mut steps = 0;
            while let Some(h) = g {
                g = tokens[h].head;
                steps += 1;
                assert!(steps <= tokens.len(), "cycle from {k}");
            }
        }
    }

    #[test]
    fn words_without_a_parse_are_left_alone() {
        let mut tokens = vec![token("alto", "_", None, "_"), token("el", "_", None, "_"), token("fuego", "_", None, "_")];
        repair(&mut tokens, 0);
        assert!(tokens.iter().all(|t| t.deprel == "_" && t.head.is_none()));
    }

    #[test]
    fn the_phrase_takes_the_place_of_its_topmost_word() {
        // "alto" read as an adjective of "fuego", the subject of the root
        let mut tokens = vec![
            token("El", "DET", Some(2), "det"),
            token("alto", "ADJ", Some(3), "amod"),
            token("el", "DET", Some(3), "det"),
            token("fuego", "NOUN", Some(4), "nsubj"),
            token("rige", "VERB", None, "root"),
        ];
        // ("El" hangs on "el" here only to test that what hung inside moves to the head)
        repair(&mut tokens, 0);
        assert_eq!((tokens[1].head, tokens[1].deprel.as_str(), tokens[1].upos.as_str()), (Some(4), "nsubj", "NOUN"));
        assert_eq!((tokens[3].head, tokens[3].deprel.as_str()), (Some(1), "flat"));
        assert_eq!(tokens[0].head, Some(1));
    }
}

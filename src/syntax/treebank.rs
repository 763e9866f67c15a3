//! Treebank sentences as the model sees them: orthographic tokens (a multiword token's form,
//! "del", "decirlo") in, syntactic words ("de" + "el") out.
use crate::syntax::conllu::Sentence;

/// The orthographic tokens of a treebank sentence, and for each syntactic word the index of
/// its token and its place among that token's parts (0 for a whole token or a first part).
pub fn tokens_of(sentence: &Sentence) -> (Vec<String>, Vec<(usize, usize)>) {
    let mut tokens = Vec::new();
    let mut words = Vec::new();
    let mut i = 0;
    while i < sentence.words.len() {
        let id = sentence.words[i].id;
        match sentence.multiword.iter().find(|m| m.first == id && m.last >= id) {
            Some(m) => {
                let count = (m.last - m.first + 1).min(sentence.words.len() - i);
                for part in 0..count {
                    words.push((tokens.len(), part));
                }
                tokens.push(m.form.clone());
                i += count;
            }
            None => {
                words.push((tokens.len(), 0));
                tokens.push(sentence.words[i].form.clone());
                i += 1;
            }
        }
    }
    (tokens, words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::conllu;

    #[test]
    fn multiword_tokens_become_one_token() {
        let text = "# text = Vino del mercado.\n1\tVino\tvenir\tVERB\t_\t_\t0\troot\t_\t_\n2-3\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n2\tde\tde\tADP\t_\t_\t4\tcase\t_\t_\n3\tel\tel\tDET\t_\t_\t4\tdet\t_\t_\n4\tmercado\tmercado\tNOUN\t_\t_\t1\tobl\t_\tSpaceAfter=No\n5\t.\t.\tPUNCT\t_\t_\t1\tpunct\t_\t_\n\n";
        let s = &conllu::read(text).unwrap()[0];
        let (tokens, words) = tokens_of(s);
        assert_eq!(tokens, vec!["Vino", "del", "mercado", "."]);
        assert_eq!(words, vec![(0, 0), (1, 0), (1, 1), (2, 0), (3, 0)]);
    }
}

//! Syntax around the model's syntax heads: CoNLL-U reading and writing, the tree decoder,
//! lemma edit scripts, syntactic words of raw text (contractions and enclitics), and the
//! CoNLL 2018 shared-task measures.
pub mod conllu;
pub mod export;
pub mod irregular;
pub mod lemma_script;
pub mod score;
pub mod split;
pub mod tree;
pub mod treebank;

//! The linker on the real annotated IRC dev split (skips when the corpus is absent).

use shequn_replies::corpus::{count, read_split, Counts, Split};
use shequn_replies::{link, link_to_previous, ReplySettings, Weights};

#[test]
fn dev_split_reaches_the_published_linear_model() {
    let dir = shequn_corpus::require!("irc-disentanglement");
    let files = read_split(&dir, Split::Dev).expect("dev split reads");
    let (mut model, mut baseline) = (Counts::default(), Counts::default());
    for f in &files {
        model.add(count(f, &link(&f.timeline, &ReplySettings::default(), &Weights::builtin())));
        baseline.add(count(f, &link_to_previous(&f.timeline)));
    }
    let (m, b) = (model.score(), baseline.score());
    assert!(m.f1 >= 63.5, "dev F1 {:.1} below the published linear model's 63.5", m.f1);
    assert!(b.f1 > 25.0 && b.f1 < 40.0, "link-to-previous F1 {:.1} is not a sane baseline", b.f1);
    assert_eq!(m.gold, b.gold);
}

//! The disguises spammers put on a text, applied on purpose: a harder dev set for the ad model
//! (`shequn eval ads --disguise SEED`). Each text gets one to three tricks, chosen by a generator
//! seeded with the seed and the text, so the same seed always gives the same set. The tricks are
//! the ones seen in Chinese Telegram spam (issue 17): styled letters (mathematical, full-width),
//! look-alike letters and digits from other scripts, symbols between characters, zero-width
//! marks, spaces between characters. Used for evaluation only; nothing is trained on its output.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::normalize::is_han;

/// The separators inserted between characters. Half of them never occur in the training files'
/// spam as separators, so the set tests the rule, not a list learnt by heart.
const SEPARATORS: &[char] = &['◐', '⊗', '╬', 'ᚰ', 'ᛀ', '·', '★', '♡', '☆', '▪', '✿', '⚡', '♪', '※', '◆', 'ᛝ'];

/// Look-alikes of Latin letters and digits from Cyrillic and Greek.
const LOOKALIKES: &[(char, char)] = &[
    ('a', 'а'),
    ('c', 'с'),
    ('e', 'е'),
    ('o', 'о'),
    ('p', 'р'),
    ('x', 'х'),
    ('y', 'у'),
    ('i', 'і'),
    ('k', 'κ'),
    ('3', 'з'),
    ('0', 'О'),
    ('v', 'ν'),
];

/// Mathematical alphabets (offsets of capital A; small a is 26 on) and the full-width block.
const STYLES: &[u32] = &[0x1d400, 0x1d538, 0x1d5a0, 0x1d5d4, 0x1d608, 0x1d63c, 0x1d670];

/// xorshift64*: small and reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// The tricks, in the order they are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trick {
    Styled,
    Lookalike,
    Separators,
    Invisible,
    Spaced,
}

const TRICKS: [Trick; 5] = [Trick::Styled, Trick::Lookalike, Trick::Separators, Trick::Invisible, Trick::Spaced];

/// The text disguised with one to three tricks chosen by `seed` and the text.
pub fn disguise(text: &str, seed: u64) -> String {
    let mut rng = Rng(xxh3_64_with_seed(text.as_bytes(), seed) | 1);
    let count = 1 + rng.below(3);
    let mut chosen = [false; 5];
    for _ in 0..count {
        chosen[rng.below(TRICKS.len())] = true;
    }
    let mut out = text.to_string();
    for (trick, on) in TRICKS.iter().zip(chosen) {
        if on {
            out = apply(*trick, &out, &mut rng);
        }
    }
    out
}

fn styled(c: char, style: u32) -> char {
    let (base, off) = match c {
        'A'..='Z' => (style, c as u32 - 'A' as u32),
        'a'..='z' => (style + 26, c as u32 - 'a' as u32),
        _ => return c,
    };
    char::from_u32(base + off).unwrap_or(c)
}

fn full_width(c: char) -> char {
    if c.is_ascii_alphanumeric() {
        char::from_u32(c as u32 - 0x21 + 0xff01).unwrap_or(c)
    } else {
        c
    }
}

fn apply(trick: Trick, text: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    match trick {
        Trick::Styled => {
            // One style for the whole text: full-width or one mathematical alphabet.
            let pick = rng.below(STYLES.len() + 1);
            for &c in &chars {
                out.push(if pick == STYLES.len() { full_width(c) } else { styled(c, STYLES[pick]) });
            }
        }
        Trick::Lookalike => {
            for &c in &chars {
                let lower = c.to_ascii_lowercase();
                match LOOKALIKES.iter().find(|(l, _)| *l == lower) {
                    Some(&(_, other)) if rng.chance(60) => out.push(other),
                    _ => out.push(c),
                }
            }
        }
        Trick::Separators => {
            let sep = SEPARATORS[rng.below(SEPARATORS.len())];
            for (i, &c) in chars.iter().enumerate() {
                out.push(c);
                let next = chars.get(i + 1).copied();
                let inside_word = next.is_some_and(|n| {
                    (is_han(c) && is_han(n)) || (c.is_ascii_alphanumeric() && n.is_ascii_alphanumeric())
                });
                if inside_word && rng.chance(35) {
                    out.push(sep);
                }
            }
        }
        Trick::Invisible => {
            for &c in &chars {
                out.push(c);
                if rng.chance(20) {
                    out.push(if rng.chance(50) { '\u{200b}' } else { '\u{200d}' });
                }
            }
        }
        Trick::Spaced => {
            for (i, &c) in chars.iter().enumerate() {
                out.push(c);
                if is_han(c) && chars.get(i + 1).is_some_and(|&n| is_han(n)) && rng.chance(50) {
                    out.push(' ');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    #[test]
    fn the_same_seed_gives_the_same_disguise() {
        let t = "兼职刷单日赚300元，加微信 abc12345 详聊";
        assert_eq!(disguise(t, 7), disguise(t, 7));
        let variants: std::collections::HashSet<String> = (0..20).map(|s| disguise(t, s)).collect();
        assert!(variants.len() > 10, "seeds give different disguises");
        assert!(variants.iter().all(|v| v != t), "every text gets at least one trick");
    }

    #[test]
    fn normalisation_reads_most_disguises_back() {
        // Not all: TR39 draws Cyrillic О as the letter o, so a disguised 0 reads back as o
        // ("3оо元"); most texts read back exactly.
        let t = "兼职刷单日赚300元加微信abc12345详聊";
        let plain = normalize(t).folded;
        let back: Vec<u64> = (0..50).filter(|&s| normalize(&disguise(t, s)).folded != plain).collect();
        for s in &back {
            eprintln!("{} → {}", disguise(t, *s), normalize(&disguise(t, *s)).folded);
        }
        assert!(back.len() <= 15, "{} of 50 not read back", back.len());
    }
}

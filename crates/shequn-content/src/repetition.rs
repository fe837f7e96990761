//! Cross-group repetition (METHOD §7): the same or near-same text posted in
//! several groups or many times, found across a whole portfolio in one pass
//! with 64-bit SimHash over character trigrams; near means ≤ `max_hamming`
//! differing bits, found through four 16-bit bands (pigeonhole: three or
//! fewer differing bits leave at least one band equal).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use shequn_model::{Example, MsgIx, Timeline};
use xxhash_rust::xxh3::xxh3_64;

use crate::normalize::normalize;

/// Repetition settings (METHOD §7).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(default, deny_unknown_fields)]
pub struct RepetitionSettings {
    /// Texts shorter than this (compact characters) are not compared: "ok", "哈哈" repeat innocently.
    pub min_chars: usize,
    /// SimHash bits that may differ for two texts to count as near-same (at most 3).
    pub max_hamming: u32,
    /// Copies in one group that make a text "posted many times".
    pub min_copies: u32,
    /// Groups that make a text "posted in several groups".
    pub min_groups: u32,
}

impl Default for RepetitionSettings {
    fn default() -> Self {
        RepetitionSettings { min_chars: 12, max_hamming: 3, min_copies: 3, min_groups: 2 }
    }
}

/// One text posted many times or in several groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatCluster {
    pub copies: u32,
    /// Indices (into the portfolio slice) of the groups it appeared in.
    pub groups: Vec<usize>,
    pub group_names: Vec<String>,
    pub senders: u32,
    pub example: Example,
}

/// Repetition across a portfolio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Repetition {
    /// Clusters that count as repeated, most copies first.
    pub clusters: Vec<RepeatCluster>,
    /// For each group and message: its cluster in `clusters`, if repeated.
    #[serde(skip)]
    pub of_message: Vec<Vec<Option<u32>>>,
}

impl Repetition {
    /// The cluster of message `msg` in group `group`, if repeated.
    pub fn cluster_of(&self, group: usize, msg: MsgIx) -> Option<&RepeatCluster> {
        let c = (*self.of_message.get(group)?.get(msg as usize)?)?;
        self.clusters.get(c as usize)
    }
}

/// 64-bit SimHash of a text's character trigrams (compact, folded form), or None when too short.
pub fn simhash(text: &str, min_chars: usize) -> Option<u64> {
    simhash_compact(&normalize(text).compact, min_chars)
}

/// [`simhash`] of an already normalised text's `compact` form. Trigrams are hashed as
/// byte slices of the text, so nothing is allocated per trigram.
pub fn simhash_compact(compact: &str, min_chars: usize) -> Option<u64> {
    let bounds: Vec<usize> = compact.char_indices().map(|(i, _)| i).chain(std::iter::once(compact.len())).collect();
    let chars = bounds.len() - 1;
    if chars < min_chars {
        return None;
    }
    let mut acc = [0i32; 64];
    for k in 0..chars.saturating_sub(2) {
        let h = xxh3_64(&compact.as_bytes()[bounds[k]..bounds[k + 3]]);
        for (bit, a) in acc.iter_mut().enumerate() {
            *a += if h >> bit & 1 == 1 { 1 } else { -1 };
        }
    }
    Some(acc.iter().enumerate().fold(0u64, |h, (bit, &a)| if a > 0 { h | 1 << bit } else { h }))
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Finds repeated texts across all groups in one pass.
pub fn repetition(portfolio: &[&Timeline], settings: &RepetitionSettings) -> Repetition {
    let hashes: Vec<Vec<Option<u64>>> =
        portfolio.iter().map(|t| t.messages.iter().map(|m| simhash(&m.text, settings.min_chars)).collect()).collect();
    repetition_of_hashes(portfolio, &hashes, settings)
}

/// [`repetition`] from SimHashes already computed: `message_hashes[g][i]` for message `i` of group `g`.
pub fn repetition_of_hashes(
    portfolio: &[&Timeline],
    message_hashes: &[Vec<Option<u64>>],
    settings: &RepetitionSettings,
) -> Repetition {
    // Distinct hashes and where each occurs.
    let mut ids: HashMap<u64, usize> = HashMap::new();
    let mut hashes: Vec<u64> = Vec::new();
    let mut occurrences: Vec<Vec<(usize, MsgIx)>> = Vec::new();
    for (g, per_message) in message_hashes.iter().enumerate() {
        for (i, h) in per_message.iter().enumerate() {
            let Some(h) = *h else { continue };
            let id = *ids.entry(h).or_insert_with(|| {
                hashes.push(h);
                occurrences.push(Vec::new());
                hashes.len() - 1
            });
            occurrences[id].push((g, i as MsgIx));
        }
    }
    // Near-same hashes joined through equal 16-bit bands.
    let mut parent: Vec<usize> = (0..hashes.len()).collect();
    if settings.max_hamming > 0 {
        for band in 0..4 {
            let mut buckets: HashMap<u16, Vec<usize>> = HashMap::new();
            for (id, h) in hashes.iter().enumerate() {
                buckets.entry((h >> (band * 16)) as u16).or_default().push(id);
            }
            for members in buckets.values() {
                for (k, &a) in members.iter().enumerate() {
                    // Bounded comparisons keep a crowded bucket from going quadratic.
                    for &b in members[k.saturating_sub(64)..k].iter() {
                        if (hashes[a] ^ hashes[b]).count_ones() <= settings.max_hamming.min(3) {
                            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                            parent[ra] = rb;
                        }
                    }
                }
            }
        }
    }
    let mut by_root: HashMap<usize, Vec<(usize, MsgIx)>> = HashMap::new();
    for (id, occ) in occurrences.iter().enumerate() {
        let r = find(&mut parent, id);
        by_root.entry(r).or_default().extend(occ.iter().copied());
    }
    let mut clusters: Vec<(RepeatCluster, Vec<(usize, MsgIx)>)> = Vec::new();
    for (_, mut occ) in by_root {
        occ.sort_unstable();
        let mut groups: Vec<usize> = occ.iter().map(|o| o.0).collect();
        groups.dedup();
        let max_in_one = groups.iter().map(|g| occ.iter().filter(|o| o.0 == *g).count() as u32).max().unwrap_or(0);
        if groups.len() < settings.min_groups as usize && max_in_one < settings.min_copies {
            continue;
        }
        let mut senders: Vec<(usize, u32)> =
            occ.iter().map(|&(g, m)| (g, portfolio[g].messages[m as usize].sender)).collect();
        senders.sort_unstable();
        senders.dedup();
        let (g0, m0) = occ[0];
        let cluster = RepeatCluster {
            copies: occ.len() as u32,
            group_names: groups.iter().map(|&g| portfolio[g].group.name.clone()).collect(),
            groups,
            senders: senders.len() as u32,
            example: Example::of(portfolio[g0], m0),
        };
        clusters.push((cluster, occ));
    }
    clusters.sort_by(|a, b| b.0.copies.cmp(&a.0.copies).then(a.1[0].cmp(&b.1[0])));
    let mut of_message: Vec<Vec<Option<u32>>> = portfolio.iter().map(|t| vec![None; t.messages.len()]).collect();
    for (c, (_, occ)) in clusters.iter().enumerate() {
        for &(g, m) in occ {
            of_message[g][m as usize] = Some(c as u32);
        }
    }
    Repetition { clusters: clusters.into_iter().map(|c| c.0).collect(), of_message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shequn_model::TimelineBuilder;

    #[test]
    fn near_same_text_across_groups_is_one_cluster() {
        let ad = "限时优惠！加微信 abc12345 领取新人福利，名额有限速来";
        let mut a = TimelineBuilder::new("A");
        let s = a.member("spammer");
        let h = a.member("ann");
        a.message(0, h, "大家早上好，今天讨论一下需求评审的流程");
        a.message(1000, s, ad);
        let mut b = TimelineBuilder::new("B");
        let s2 = b.member("spammer");
        b.message(5000, s2, "限时优惠!!加微信 abc12345 领取新人福利，名额有限速来～");
        let (a, b) = (a.build(), b.build());
        let r = repetition(&[&a, &b], &RepetitionSettings::default());
        assert_eq!(r.clusters.len(), 1);
        assert_eq!(r.clusters[0].groups, vec![0, 1]);
        assert!(r.cluster_of(0, 1).is_some() && r.cluster_of(1, 0).is_some());
        assert!(r.cluster_of(0, 0).is_none());
    }

    #[test]
    fn one_copy_in_one_group_is_not_repeated() {
        let mut a = TimelineBuilder::new("A");
        let s = a.member("x");
        a.message(0, s, "this is a perfectly ordinary sentence");
        a.message(1, s, "this is a perfectly ordinary sentence");
        let a = a.build();
        assert!(repetition(&[&a], &RepetitionSettings::default()).clusters.is_empty());
        let three = RepetitionSettings { min_copies: 2, ..RepetitionSettings::default() };
        assert_eq!(repetition(&[&a], &three).clusters[0].copies, 2);
    }
}

//! The interaction graph (METHOD §6; seed 001: 网状结构 vs 放射性结构 — a living
//! community is a mesh of members, not a star around its organiser).

use std::collections::BTreeMap;

use petgraph::graphmap::DiGraphMap;
use petgraph::unionfind::UnionFind;
use serde::{Deserialize, Serialize};
use shequn_model::MemberIx;

use crate::facts::{ratio, Facts, Interaction, WEEK_MS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Structure {
    Mesh,
    HubAndSpoke,
    /// Enough interactions, but in scattered pairs and small clusters: no one network
    /// to call a mesh (a help room where each question meets a different helper once).
    Fragmented,
    /// Too few interactions to tell.
    Unknown,
}

impl Structure {
    pub fn as_str(self) -> &'static str {
        match self {
            Structure::Mesh => "mesh",
            Structure::HubAndSpoke => "hub_and_spoke",
            Structure::Fragmented => "fragmented",
            Structure::Unknown => "unknown",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Structure::Mesh => "网状结构",
            Structure::HubAndSpoke => "放射性结构",
            Structure::Fragmented => "零散连接",
            Structure::Unknown => "数据不足",
        }
    }
    /// A verdict was reached (not `Unknown`).
    pub fn is_measured(self) -> bool {
        self != Structure::Unknown
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// People who spoke (humans) in the window.
    pub active_nodes: u32,
    /// People joined by at least one interaction.
    pub connected_nodes: u32,
    pub interactions: u32,
    /// Distinct people pairs that interacted.
    pub edges: u32,
    pub member_member_share: f64,
    /// Freeman degree centralization of the undirected graph: 0 = mesh, 1 = star.
    pub centralization: f64,
    pub operator_share: f64,
    /// Share of directed pairs a→b whose b→a also exists.
    pub reciprocity: f64,
    /// Share of the connected people inside the largest connected part of the graph.
    pub largest_component_share: f64,
    pub structure: Structure,
    /// Per week (ISO date of the week's first day): people who had spoken so far, cumulative.
    pub activated_nodes: Vec<(String, u32)>,
}

/// Interactions inside `(from_ms, as_of]`.
pub fn window_interactions<'f>(f: &'f Facts, from_ms: i64) -> impl Iterator<Item = &'f Interaction> {
    let a = f.interactions.partition_point(|x| x.time_ms <= from_ms);
    f.interactions[a..].iter()
}

pub fn network(f: &Facts, from_ms: i64) -> Network {
    let s = f.settings;
    let xs: Vec<&Interaction> = window_interactions(f, from_ms).collect();
    let mut g: DiGraphMap<MemberIx, u32> = DiGraphMap::new();
    for x in &xs {
        match g.edge_weight_mut(x.from, x.to) {
            Some(w) => *w += 1,
            None => {
                g.add_edge(x.from, x.to, 1);
            }
        }
    }
    let mm = xs.iter().filter(|x| f.is_mm(x)).count();
    let op = xs.len() - mm;
    // Undirected degree: distinct neighbours.
    let n = g.node_count();
    let degrees: Vec<usize> = g
        .nodes()
        .map(|v| {
            let mut nb: Vec<MemberIx> = g.neighbors_directed(v, petgraph::Direction::Outgoing).collect();
            nb.extend(g.neighbors_directed(v, petgraph::Direction::Incoming));
            nb.sort_unstable();
            nb.dedup();
            nb.len()
        })
        .collect();
    let centralization = freeman(&degrees);
    let directed = g.edge_count();
    let mutual = g.all_edges().filter(|(a, b, _)| g.contains_edge(*b, *a)).count();
    let mut pairs: Vec<(MemberIx, MemberIx)> = g.all_edges().map(|(a, b, _)| (a.min(b), a.max(b))).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let operator_share = ratio(op, xs.len());
    let largest_component_share = ratio(largest_component(&g), n);
    let structure = if (xs.len() as u32) < s.network_min_interactions {
        Structure::Unknown
    } else if centralization >= s.hub_centralization || operator_share >= s.hub_operator_share {
        Structure::HubAndSpoke
    } else if largest_component_share < s.mesh_min_component_share {
        // Low centralization over disconnected pairs is not a mesh (D4 in docs/diagnosis-checks.md).
        Structure::Fragmented
    } else {
        Structure::Mesh
    };
    let range = f.range(from_ms, f.as_of_ms);
    let mut speakers: Vec<MemberIx> =
        range.clone().filter(|&i| f.is_human(i)).map(|i| f.t.messages[i].sender).collect();
    speakers.sort_unstable();
    speakers.dedup();
    Network {
        active_nodes: speakers.len() as u32,
        connected_nodes: n as u32,
        interactions: xs.len() as u32,
        edges: pairs.len() as u32,
        member_member_share: ratio(mm, xs.len()),
        centralization,
        operator_share,
        reciprocity: ratio(mutual, directed),
        largest_component_share,
        structure,
        activated_nodes: activated(f),
    }
}

/// People in the largest weakly connected component.
fn largest_component(g: &DiGraphMap<MemberIx, u32>) -> usize {
    let ix: std::collections::HashMap<MemberIx, usize> = g.nodes().enumerate().map(|(i, v)| (v, i)).collect();
    let mut sets = UnionFind::<usize>::new(ix.len());
    for (a, b, _) in g.all_edges() {
        sets.union(ix[&a], ix[&b]);
    }
    let mut sizes = vec![0usize; ix.len()];
    for i in 0..ix.len() {
        sizes[sets.find(i)] += 1;
    }
    sizes.into_iter().max().unwrap_or(0)
}

/// Freeman degree centralization: Σ(max − dᵢ) / ((n−1)(n−2)); 0 below 3 nodes.
pub fn freeman(degrees: &[usize]) -> f64 {
    let n = degrees.len();
    if n < 3 {
        return 0.0;
    }
    let max = *degrees.iter().max().unwrap_or(&0);
    let sum: usize = degrees.iter().map(|d| max - d).sum();
    sum as f64 / ((n - 1) * (n - 2)) as f64
}

/// Cumulative distinct human speakers per week, over the group's whole history
/// (the growth of activated nodes, seed 000's network effect).
fn activated(f: &Facts) -> Vec<(String, u32)> {
    let mut first_week: BTreeMap<i64, u32> = BTreeMap::new();
    let mut seen = vec![false; f.t.members.len()];
    for i in 0..f.end {
        let m = &f.t.messages[i];
        if f.is_human(i) && !seen[m.sender as usize] {
            seen[m.sender as usize] = true;
            *first_week.entry(m.time_ms.div_euclid(WEEK_MS)).or_insert(0) += 1;
        }
    }
    let (Some(&start), Some(end)) = (first_week.keys().next(), (f.end > 0).then(|| f.as_of_ms.div_euclid(WEEK_MS)))
    else {
        return Vec::new();
    };
    let mut total = 0;
    (start..=end)
        .map(|w| {
            total += first_week.get(&w).copied().unwrap_or(0);
            (f.date_of(w * WEEK_MS), total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::freeman;

    #[test]
    fn star_is_one_and_ring_is_zero() {
        // A star of 5: hub degree 4, leaves 1.
        assert!((freeman(&[4, 1, 1, 1, 1]) - 1.0).abs() < 1e-9);
        assert_eq!(freeman(&[2, 2, 2, 2]), 0.0);
        assert_eq!(freeman(&[1, 1]), 0.0);
    }
}

//! Key people (METHOD §4; seed 001: 关键人法则 — "一般只要一个群有 4-5 人参与讨论这个群就会显得活跃起来").
//! The smallest set holding ≥ `key_share` of the interaction ends (each reply or mention
//! has two: who spoke and who was answered), most active first (CHAOSS's contributor-absence idea).

use serde::{Deserialize, Serialize};
use shequn_model::{Example, MemberIx, MsgIx};

use crate::facts::{ratio, Facts, DAY_MS, WEEK_MS};
use crate::network::window_interactions;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyBasis {
    /// Reply links and mentions between people.
    Interactions,
    /// No interactions recorded in the window: messages sent instead.
    Messages,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyPerson {
    pub member: MemberIx,
    pub name: String,
    pub platform_id: Option<String>,
    pub operator: bool,
    /// Share of the window's interactions (or messages) this person took part in.
    pub share: f64,
    pub last_active: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyLoss {
    pub member: MemberIx,
    pub name: String,
    pub first_active: String,
    pub last_active: String,
    pub silent_days: f64,
    /// Human messages per week in the 4 weeks before their last message, and since.
    pub weekly_before: f64,
    pub weekly_after: f64,
    pub last_message: Example,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyPeople {
    pub basis: KeyBasis,
    /// The key set: the smallest set holding ≥ `key_share` (METHOD §4).
    pub people: Vec<KeyPerson>,
    /// The `key_ranking` most active members by the same count, operators left out (the
    /// operator knows them): who carries the group when the set is small (seed 001
    /// speaks of 4–5 people).
    #[serde(default)]
    pub ranking: Vec<KeyPerson>,
    /// Share of all interaction ends (or messages) the set holds.
    pub covered: f64,
    pub non_operator_count: u32,
    pub fragile: bool,
    pub losses: Vec<KeyLoss>,
}

pub fn key_people(f: &Facts, from_ms: i64) -> KeyPeople {
    let s = f.settings;
    let xs: Vec<(MemberIx, MemberIx)> = window_interactions(f, from_ms).map(|x| (x.from, x.to)).collect();
    let basis = if xs.is_empty() { KeyBasis::Messages } else { KeyBasis::Interactions };
    // Each "item" is an interaction (two people) or a message (one person).
    let items: Vec<(MemberIx, MemberIx)> = if xs.is_empty() {
        f.range(from_ms, f.as_of_ms)
            .filter(|&i| f.is_human(i))
            .map(|i| {
                let m = f.t.messages[i].sender;
                (m, m)
            })
            .collect()
    } else {
        xs
    };
    // Each interaction has two ends; a message, one. Count each person's ends and
    // take people, most first, until they hold `key_share` of all ends.
    let mut ends = vec![0usize; f.t.members.len()];
    for &(a, b) in &items {
        ends[a as usize] += 1;
        if b != a {
            ends[b as usize] += 1;
        }
    }
    let total: usize = ends.iter().sum();
    let mut order: Vec<usize> = (0..ends.len()).filter(|&i| ends[i] > 0).collect();
    order.sort_by(|&x, &y| ends[y].cmp(&ends[x]).then(x.cmp(&y)));
    let mut chosen: Vec<(MemberIx, usize)> = Vec::new();
    let mut held = 0usize;
    for &ix in &order {
        if held as f64 >= s.key_share * total as f64 || chosen.len() >= s.key_cap as usize {
            break;
        }
        held += ends[ix];
        chosen.push((ix as MemberIx, ends[ix]));
    }
    let last_msg = last_message_by(f);
    let person = |&(m, part): &(MemberIx, usize)| {
        let mm = f.t.member(m);
        KeyPerson {
            member: m,
            name: mm.name.clone(),
            platform_id: mm.platform_id.clone(),
            operator: f.is_operator(m),
            share: ratio(part, items.len()),
            last_active: last_msg[m as usize].map(|i| f.date_of(f.t.messages[i].time_ms)),
        }
    };
    let people: Vec<KeyPerson> = chosen.iter().map(person).collect();
    let ranking: Vec<KeyPerson> = order
        .iter()
        .filter(|&&ix| !f.is_operator(ix as MemberIx))
        .take(s.key_ranking as usize)
        .map(|&ix| person(&(ix as MemberIx, ends[ix])))
        .collect();
    let non_operator_count = people.iter().filter(|p| !p.operator).count() as u32;
    let fragile = (people.len() as u32) < s.fragile_below || non_operator_count == 0;
    let losses = people.iter().filter_map(|p| loss(f, p.member, &last_msg)).collect();
    KeyPeople { basis, covered: ratio(held, total), people, ranking, non_operator_count, fragile, losses }
}

/// Each member's last human message up to as-of.
fn last_message_by(f: &Facts) -> Vec<Option<usize>> {
    let mut last = vec![None; f.t.members.len()];
    for i in 0..f.end {
        if f.is_human(i) {
            last[f.t.messages[i].sender as usize] = Some(i);
        }
    }
    last
}

/// Active for months, then silent for ≥ `key_loss_silent_days` (Savannah-style).
fn loss(f: &Facts, m: MemberIx, last_msg: &[Option<usize>]) -> Option<KeyLoss> {
    let s = f.settings;
    let last = last_msg[m as usize]?;
    let last_ms = f.t.messages[last].time_ms;
    let silent = (f.as_of_ms - last_ms) as f64 / DAY_MS as f64;
    if silent < f64::from(s.key_loss_silent_days) {
        return None;
    }
    let first = (0..f.end).find(|&i| f.is_human(i) && f.t.messages[i].sender == m)?;
    let first_ms = f.t.messages[first].time_ms;
    if last_ms - first_ms < i64::from(s.key_loss_min_active_days) * DAY_MS {
        return None;
    }
    let before = f.range(last_ms - 4 * WEEK_MS, last_ms).filter(|&i| f.is_human(i)).count() as f64 / 4.0;
    let after_weeks = ((f.as_of_ms - last_ms) as f64 / WEEK_MS as f64).max(1.0);
    let after = f.range(last_ms, f.as_of_ms).filter(|&i| f.is_human(i)).count() as f64 / after_weeks;
    Some(KeyLoss {
        member: m,
        name: f.t.member(m).name.clone(),
        first_active: f.date_of(first_ms),
        last_active: f.date_of(last_ms),
        silent_days: silent,
        weekly_before: before,
        weekly_after: after,
        last_message: Example::of(f.t, last as MsgIx),
    })
}

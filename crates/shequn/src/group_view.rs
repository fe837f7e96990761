//! What `shequn group` prints: the bilingual text view, the JSON object (the
//! issue contracts' fields first, then every analysis in full), and the bids CSV.

use serde_json::json;
use shequn_content::ContentReport;
use shequn_diagnosis::Role;
use shequn_model::{Stamp, Timeline};
use shequn_replies::responsiveness::BidStatus;
use shequn_replies::Responsiveness;

use crate::cmd::group::Analysed;

/// The JSON contract: `status`, `stage`, `key_people`, `roles` (counts), `action`, `evidence`, and the rest.
pub fn json_view(a: &Analysed) -> serde_json::Value {
    let d = &a.diagnosis;
    json!({
        "group_id": d.group_id,
        "group": d.group,
        "platform": d.platform,
        "as_of": d.as_of,
        "status": d.status,
        "stage": d.stage,
        "action": d.triage.action,
        "action_reason": { "en": d.triage.reason_en, "zh": d.triage.reason_zh },
        "key_people": d.key_people.people,
        "roles": d.roles.counts,
        "evidence": d.evidence,
        "stage_detail": d.stage_detail,
        "lifespan": d.lifespan,
        "status_history": d.status_history,
        "temporary": d.temporary,
        "key_people_detail": { "basis": d.key_people.basis, "covered": d.key_people.covered,
            "fragile": d.key_people.fragile, "losses": d.key_people.losses },
        "role_detail": d.roles,
        "network": d.network,
        "emotion": d.emotion,
        "churn": d.churn,
        "content": d.content,
        "responsiveness": d.responsiveness,
        "responsiveness_detail": a.responsiveness,
        "content_detail": a.content,
        "migration": d.triage.migration,
        "labels_present": d.labels_present,
        "settings": d.settings,
        "early_warning": a.early_warning,
    })
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

pub fn text_view(a: &Analysed) -> String {
    let d = &a.diagnosis;
    let mut o = String::new();
    let mut line = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    line(format!("{} ({}, id {}) — as of 截至 {}", d.group, d.platform, d.group_id, d.as_of));
    let e = &d.evidence;
    match (&e.coverage_start, &e.coverage_end, e.coverage_days) {
        (Some(start), Some(end), Some(days)) => line(format!(
            "data 数据: the imported sources cover 导入的记录覆盖 {} … {} ({days:.1} days before as-of 截至日前{days:.1}天){}",
            &start[..10.min(start.len())],
            &end[..10.min(end.len())],
            if e.insufficient_coverage {
                format!(
                    " — insufficient data 数据不足: fewer than {} days, so dormant/dead is not a verdict 不足{}天，休眠/死亡不作定论",
                    d.settings.status_window_days.max(d.settings.dead_after_days),
                    d.settings.status_window_days.max(d.settings.dead_after_days)
                )
            } else {
                String::new()
            }
        )),
        _ => line(
            "data 数据: coverage not recorded (imported by an older shequn; `shequn import --force PATH` records it) 未记录数据覆盖范围（旧版导入）".into(),
        ),
    }
    line(format!("status 状态: {} {} — {}", d.status.as_str(), d.status.zh(), d.evidence.reason_en));
    line(format!("                 {}", d.evidence.reason_zh));
    if let Some(m) = &d.evidence.last_member_message {
        line(format!("  last member message 最后成员消息: {} <{}> {}", m.time, m.sender, m.text));
    }
    if let Some(days) = d.lifespan.days {
        line(format!(
            "lifespan 生命周期: {} days 天 ({} → {}){}",
            days,
            d.lifespan.first_member_day.as_deref().unwrap_or("-"),
            d.lifespan.last_member_day.as_deref().unwrap_or("-"),
            if d.lifespan.died_early { "; died within 90 days of creation 创建后90天内死亡" } else { "" }
        ));
    }
    if let Some(w) = &a.early_warning {
        for l in early_warning_lines(w) {
            line(l);
        }
    }
    if d.temporary.temporary {
        line(format!(
            "temporary group 临时群: {} of human messages between {} and {}",
            pct(d.temporary.peak_share),
            d.temporary.peak_start.as_deref().unwrap_or("-"),
            d.temporary.peak_end.as_deref().unwrap_or("-")
        ));
    }
    match &d.stage_detail {
        Some(s) => {
            if s.confidence > 0.0 {
                line(format!(
                    "stage 阶段: {} {} (confidence 置信度 {:.2})",
                    s.stage.as_str(),
                    s.stage.zh(),
                    s.confidence
                ));
            } else {
                // No signal held or could be measured: formation is only the default.
                line(format!(
                    "stage 阶段: unknown 无法判断 (no stage signal holds; {} {} by default 默认)",
                    s.stage.as_str(),
                    s.stage.zh()
                ));
            }
            let g = &s.signals;
            line(format!(
                "  operator share 运营占比 {}, member↔member 成员互动 {}, non-operator key people 非运营关键人 {}, structure 结构 {} {}, weeks held 持续周数 {}, cooperation messages 合作消息 {}{}",
                pct(g.operator_share),
                pct(g.member_member_share),
                g.non_operator_key_people,
                g.structure.as_str(),
                g.structure.zh(),
                g.weeks_held,
                g.cooperation_messages,
                g.emotional_share.map(|e| format!(", emotional 情绪表达 {}", pct(e))).unwrap_or_default()
            ));
            line(format!("  playbook 建议: {}", s.playbook_zh));
            line(format!("               {}", s.playbook_en));
        }
        None => line("stage 阶段: none (not alive) 无（非活跃）".into()),
    }
    let kp = &d.key_people;
    line(format!(
        "key people 关键人 (together {} of all {} ends 合计占比; each person's share = the {} they take part in 个人占比=参与的比例){}:",
        pct(kp.covered),
        if kp.basis == shequn_diagnosis::KeyBasis::Messages { "message" } else { "interaction" },
        if kp.basis == shequn_diagnosis::KeyBasis::Messages { "messages" } else { "interactions" },
        if kp.fragile { " — fragile 脆弱" } else { "" }
    ));
    for p in &kp.people {
        line(format!(
            "  {}{} — {} , last active 最后活跃 {}",
            p.name,
            if p.operator { " (operator 运营)" } else { "" },
            pct(p.share),
            p.last_active.as_deref().unwrap_or("-")
        ));
    }
    let more: Vec<String> = kp
        .ranking
        .iter()
        .filter(|r| !kp.people.iter().any(|p| p.member == r.member))
        .map(|r| format!("{} {}", r.name, pct(r.share)))
        .collect();
    if !more.is_empty() {
        line(format!("  next most active 其次活跃: {}", more.join(", ")));
    }
    for l in &kp.losses {
        line(format!(
            "  lost 流失: {} active 活跃 {} → {}, silent 沉默 {:.0} days; group 群消息/周 {:.1} → {:.1}",
            l.name, l.first_active, l.last_active, l.silent_days, l.weekly_before, l.weekly_after
        ));
    }
    let counts: Vec<String> = Role::ALL
        .iter()
        .map(|r| format!("{} {} {}", r.as_str(), r.zh(), d.roles.counts.get(r.as_str()).copied().unwrap_or(0)))
        .collect();
    line(format!("roles 角色 ({} days 天): {}", d.settings.roles_window_days, counts.join(", ")));
    line(format!(
        "  silent share 沉默者占比: {}; seed's mix 参考: thinker 1–2, critic a few, onlooker ~40%, silent >50%",
        d.roles.silent_share.map(pct).unwrap_or_else(|| "unknown 未知 (no roster, joins or member count)".into())
    ));
    for flag in &d.roles.flags {
        line(format!("  flag 提示: {flag}"));
    }
    let n = &d.network;
    line(format!(
        "network 网络: {} active, {} interactions 互动, member↔member {}, centralization 中心度 {:.2}, operator 运营 {}, reciprocity 互惠 {}, {} {}",
        n.active_nodes,
        n.interactions,
        pct(n.member_member_share),
        n.centralization,
        pct(n.operator_share),
        pct(n.reciprocity),
        n.structure.as_str(),
        n.structure.zh()
    ));
    if d.churn.has_events {
        line(format!(
            "churn 流失: joins 加入 {}, leaves 退出 {}, kicks 移除 {}, median days to leave 退群中位天数 {}",
            d.churn.joins,
            d.churn.leaves,
            d.churn.kicks,
            d.churn.median_days_to_leave.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into())
        ));
    }
    for l in responsiveness_lines(&a.responsiveness) {
        line(l);
    }
    for l in content_lines(&a.content) {
        line(l);
    }
    line(format!("action 建议: {} {} — {}", d.triage.action.as_str(), d.triage.action.zh(), d.triage.reason_en));
    line(format!("               {}", d.triage.reason_zh));
    if !d.triage.migration.is_empty() {
        line(format!("migration list 迁移名单 ({}):", d.triage.migration.len()));
        for m in d.triage.migration.iter().take(20) {
            line(format!("  {} {} (last 最后发言 {})", m.name, m.platform_id.as_deref().unwrap_or("-"), m.last_spoke));
        }
    }
    o
}

fn minutes(ms: i64) -> String {
    let m = ms as f64 / 60_000.0;
    if m < 90.0 {
        format!("{m:.0} min")
    } else if m < 48.0 * 60.0 {
        format!("{:.1} h", m / 60.0)
    } else {
        format!("{:.1} d", m / 1440.0)
    }
}

/// METHOD §5: bids, first responses, the unanswered, the explicit/inferred split, recent weeks.
fn responsiveness_lines(r: &Responsiveness) -> Vec<String> {
    let mut out = vec![format!(
        "responsiveness 响应: {} bids 求助 (questions 提问 {}, newcomers 新人 {}, thread starters 话题 {}); answered 已回应 {}, unanswered 无回应 {}{}, pending 待定 {}; median first response 首次回应中位 {}; newcomers unanswered 新人无回应 {}",
        r.bids,
        r.question_bids,
        r.newcomer_bids,
        r.starter_bids,
        r.answered,
        r.unanswered,
        r.unanswered_rate.map(|x| format!(" ({})", pct(x))).unwrap_or_default(),
        r.pending,
        r.median_first_response_ms.map(minutes).unwrap_or_else(|| "-".into()),
        r.newcomers_unanswered
    )];
    let (l, rl) = (&r.links, &r.response_links);
    out.push(format!(
        "  reply links 回复链接: explicit 显式 {}, mention 提及 {}, inferred 推断 {}, conversation starts 新话题 {}; responses 回应来自: explicit {}, mention {}, inferred {}, next speaker soon after 就近回应 {}",
        l.explicit, l.mention, l.inferred, l.starts, rl.explicit, rl.mention, rl.inferred, rl.proximity
    ));
    for w in r.weeks.iter().rev().take(4) {
        out.push(format!(
            "  week 周 {}: bids {} answered {} unanswered {} newcomers unanswered {} median {}",
            w.week,
            w.bids,
            w.answered,
            w.unanswered,
            w.newcomers_unanswered,
            w.median_first_response_ms.map(minutes).unwrap_or_else(|| "-".into())
        ));
    }
    for e in r.unanswered_examples.iter().take(5) {
        out.push(format!("  unanswered 无回应: {} <{}> {}", e.time, e.sender, e.text));
    }
    out
}

/// METHOD §7–§8: ads and their posters, policy violations, pushes, value.
fn content_lines(c: &ContentReport) -> Vec<String> {
    let mut out = vec![format!(
        "ads 广告: {} ({} of text messages 文本消息), posters 发布者 {}",
        c.ads.ads,
        pct(c.ads.ad_share),
        c.ads.posters.len()
    )];
    for p in c.ads.posters.iter().take(5) {
        out.push(format!("  {} — {} ads of {} messages 条广告/消息", p.name, p.ads, p.messages));
        if let Some(e) = p.examples.first() {
            let why: Vec<String> = e.features.iter().map(|f| format!("{:?}: {}", f.kind, f.detail)).collect();
            out.push(format!("    {} {} [{}]", e.example.time, e.example.text, why.join("; ")));
        }
    }
    match &c.policy {
        Some(p) => {
            out.push(format!(
                "ad policy 广告规则: {} ads checked 条已检查, {} violations 违规",
                p.ads_checked,
                p.violations.len()
            ));
            for v in p.violations.iter().take(5) {
                out.push(format!(
                    "  {} <{}> broke 违反 {} — {}",
                    v.time,
                    v.sender,
                    v.rules_broken.join(", "),
                    v.example.text
                ));
            }
        }
        None => out.push("ad policy 广告规则: none set (--ad-policy) 未设置".into()),
    }
    let p = &c.push;
    out.push(format!(
        "pushes 推送: {} ({} of messages 消息), response rate 回应率 {}{}",
        p.pushes,
        pct(p.push_share),
        pct(p.response_rate),
        if p.broadcast_only { " — broadcast-only 只有机械推送" } else { "" }
    ));
    for s in p.pushers.iter().take(5) {
        out.push(format!("  {} ({} posts 条): {}", s.name, s.posts, s.details.join("; ")));
    }
    let v = &c.value;
    let mix: Vec<String> = v.mix.iter().map(|(k, n)| format!("{} {} {}", k.as_str(), k.zh(), n)).collect();
    out.push(format!(
        "value 价值: {} messages 条 ({}); weeks with value 持续交付周占比 {}{}",
        v.value_messages,
        if mix.is_empty() { "-".into() } else { mix.join(", ") },
        pct(v.continuous_share),
        v.falling
            .as_ref()
            .map(|f| format!("; falling 下降 {:.1} → {:.1} per week 每周", f.earlier_weekly_mean, f.later_weekly_mean))
            .unwrap_or_default()
    ));
    out
}

/// Every bid with its first response, for reading by hand (METHOD §5).
pub fn bids_csv(t: &Timeline, r: &Responsiveness) -> String {
    let text = |ix: usize| t.messages[ix].text.replace(['\r', '\n'], " ");
    shequn_report::csv(
        &[
            "time",
            "sender",
            "question",
            "newcomer",
            "starter",
            "status",
            "first_response_minutes",
            "responder",
            "response_source",
            "text",
        ],
        r.all_bids.iter().map(|b| {
            let stamp = Stamp { unix_ms: b.time_ms, offset_s: t.group.utc_offset_s, zone_inferred: false };
            vec![
                stamp.to_rfc3339(),
                t.member(b.sender).name.clone(),
                b.question.to_string(),
                b.newcomer.to_string(),
                b.starter.to_string(),
                match b.status {
                    BidStatus::Answered => "answered",
                    BidStatus::Unanswered => "unanswered",
                    BidStatus::Pending => "pending",
                }
                .to_string(),
                b.first_response_ms.map(|ms| format!("{:.1}", ms as f64 / 60_000.0)).unwrap_or_default(),
                b.responder.map(|m| t.member(m).name.clone()).unwrap_or_default(),
                b.response_source.map(|s| format!("{s:?}").to_lowercase()).unwrap_or_default(),
                text(b.msg as usize),
            ]
        }),
    )
}

/// The early warning of a young group (METHOD §12) as text lines: risk, reasons, playbook.
pub fn early_warning_lines(w: &shequn_survival::EarlyWarning) -> Vec<String> {
    let mut out = vec![format!(
        "early warning 早期预警: {:.0}% risk of being dead {} days after creation, from its first {} days 根据前{}天，创建{}天后成为死群的概率 {:.0}%{}",
        w.risk * 100.0,
        w.horizon_days,
        w.observe_days,
        w.observe_days,
        w.horizon_days,
        w.risk * 100.0,
        if w.high { " — high 高" } else { "" }
    )];
    for r in &w.reasons {
        out.push(format!("  • {} / {}", r.en, r.zh));
    }
    out.push(format!("  playbook 建议: {}", w.playbook_en));
    out.push(format!("             {}", w.playbook_zh));
    out
}

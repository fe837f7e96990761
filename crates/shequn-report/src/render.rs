//! The HTML report: the portfolio page and one page per group, assembled by
//! [`crate::page::document`]. Every piece of text goes through `esc` or `bi`.

use std::fmt::Write;

use shequn_diagnosis::{Diagnosis, Role, Status};
use shequn_model::ValueKind;

use crate::html::{bi, esc};
use crate::page::{document, GroupPage};
use crate::results::{GroupResult, ReportInput};
use crate::svg::{self, Band, Bar, Bi, Marker, Node, Series, PALETTE};

/// The diagnosis's own Chinese status names, so the report and the CLI say the same.
fn status_zh(s: &str) -> &'static str {
    Status::parse(s).map_or("—", Status::zh)
}

fn role_zh(role: &str) -> &str {
    Role::ALL.iter().find(|r| r.as_str() == role).map_or(role, |r| r.zh())
}

fn value_zh(kind: &str) -> &str {
    ValueKind::ALL.iter().find(|v| v.as_str() == kind).map_or(kind, |v| v.zh())
}

fn stage_zh(s: &str) -> &'static str {
    match s {
        "formation" => "形成期",
        "assimilation" => "同化期",
        "collaboration" => "协作期",
        _ => "—",
    }
}

fn action_zh(s: &str) -> &'static str {
    match s {
        "keep" => "保持",
        "respond" => "回应",
        "clean_ads" => "清理广告",
        "cut_pushes" => "减少推送",
        "boost" => "激活",
        "split" => "拆分",
        "dissolve" => "解散",
        "migrate" => "迁移",
        _ => "—",
    }
}

/// Cohort heat-map rows drawn per group.
const MAX_COHORT_ROWS: usize = 24;

/// How urgent an action is: the portfolio lists the most urgent groups first.
fn urgency(action: &str) -> u8 {
    match action {
        "respond" => 0,
        "clean_ads" => 1,
        "migrate" => 2,
        "boost" => 3,
        "cut_pushes" => 4,
        "split" => 5,
        "dissolve" => 6,
        _ => 9,
    }
}

fn status_color(s: &str) -> &'static str {
    match s {
        "alive" => "#2e7d32",
        "declining" => "#ef6c00",
        "dormant" => "#8d6e63",
        _ => "#757575",
    }
}

fn badge(status: Status) -> String {
    let s = status.as_str();
    format!(r#"<span class="badge s-{s}">{}</span>"#, bi(status_zh(s), s))
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn day_label(ms_day: f64) -> String {
    chrono::DateTime::from_timestamp((ms_day * 86_400.0) as i64, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn iso_day_number(date: &str) -> Option<f64> {
    chrono::NaiveDate::parse_from_str(date.get(..10)?, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).map_or(0.0, |t| t.and_utc().timestamp() as f64 / 86_400.0))
}

/// The whole report document.
pub fn render_html(input: &ReportInput) -> String {
    use rayon::prelude::*;
    // Each group's page is independent: at 2,000 groups rendering them is most of the work.
    let pages: Vec<GroupPage> = input
        .results
        .par_iter()
        .map(|r| GroupPage { id: r.diagnosis.group_id.to_string(), body: group_page(r) })
        .collect();
    document("社群诊断报告 · shequn report", input.generated, &portfolio_page(input), &pages)
}

fn portfolio_page(input: &ReportInput) -> String {
    let s = input.summary;
    let mut o = String::new();
    let _ = write!(o, "<h2>{}</h2><div class=\"cards\">", bi("群组总览", "Portfolio"));
    let card = |o: &mut String, n: String, zh: &str, en: &str| {
        let _ = write!(o, "<div class=\"card\"><b>{}</b>{}</div>", esc(&n), bi(zh, en));
    };
    card(&mut o, s.groups.to_string(), "个群", "groups");
    for st in ["alive", "declining", "dormant", "dead"] {
        card(&mut o, s.by_status.get(st).copied().unwrap_or(0).to_string(), status_zh(st), st);
    }
    card(&mut o, pct(s.died_early_share), "早夭（死亡且很快沉寂）", "died early");
    if let Some([_, m, _]) = s.lifespan_days_quartiles {
        card(&mut o, format!("{m} d"), "寿命中位数", "median lifespan");
    }
    card(&mut o, s.fragile.to_string(), "依赖少数人的群", "fragile groups");
    if s.insufficient_coverage > 0 {
        card(
            &mut o,
            s.insufficient_coverage.to_string(),
            "数据不足（不判定休眠/死亡）",
            "insufficient data (no dormant/dead verdict)",
        );
    }
    o.push_str("</div>");
    // Each group is diagnosed as of the end of its own data unless one as-of was given.
    let first = input.results.iter().map(|r| r.diagnosis.as_of.as_str()).min().unwrap_or("");
    let last = input.results.iter().map(|r| r.diagnosis.as_of.as_str()).max().unwrap_or("");
    let as_of_differs = first != last;
    if as_of_differs {
        let _ = write!(
            o,
            "<p class=\"small\">{} {} … {}</p>",
            bi("各群按其数据截止时间诊断：", "Each group is diagnosed as of the end of its own data:"),
            esc(first),
            esc(last)
        );
    } else if !first.is_empty() {
        let _ = write!(o, "<p class=\"small\">{} {}</p>", bi("诊断时间", "as of"), esc(first));
    }

    // Status and stage distribution.
    let status_bars: Vec<Bar> = ["alive", "declining", "dormant", "dead"]
        .iter()
        .map(|st| Bar {
            label: Bi::new(status_zh(st), st),
            value: f64::from(s.by_status.get(*st).copied().unwrap_or(0)),
            color: status_color(st).to_string(),
        })
        .collect();
    let stage_bars: Vec<Bar> = ["formation", "assimilation", "collaboration"]
        .iter()
        .enumerate()
        .map(|(i, st)| Bar {
            label: Bi::new(stage_zh(st), st),
            value: f64::from(s.by_stage.get(*st).copied().unwrap_or(0)),
            color: PALETTE[i].into(),
        })
        .collect();
    let _ = write!(
        o,
        "<h2>{}</h2>{}<h2>{}</h2>{}",
        bi("生命状态分布", "Life status"),
        svg::bar_chart("status distribution", &status_bars),
        bi("活跃群的阶段", "Stage of living groups"),
        svg::bar_chart("stage distribution", &stage_bars)
    );

    // Survival curve: share of groups whose lifespan reached d days.
    // Groups with too little data have lifespans cut short by the export, not by their end.
    let mut spans: Vec<i64> = input
        .results
        .iter()
        .filter(|r| !r.diagnosis.evidence.insufficient_coverage)
        .filter_map(|r| r.diagnosis.lifespan.days)
        .collect();
    spans.sort_unstable();
    if !spans.is_empty() {
        let n = spans.len() as f64;
        let mut points = vec![(0.0, 1.0)];
        for (i, d) in spans.iter().enumerate() {
            points.push((*d as f64, (n - i as f64 - 1.0) / n));
        }
        let _ = write!(
            o,
            "<h2>{}</h2><p class=\"muted small\">{}</p>{}",
            bi("存活曲线", "Survival curve"),
            bi(
                "横轴：首条到末条成员消息的天数；纵轴：活过该天数的群占比。",
                "x: days from first to last member message; y: share of groups that lived at least that long."
            ),
            svg::line_chart(
                "survival curve",
                &[Series { label: Bi::new("存活", "surviving"), color: PALETTE[0].into(), points }],
                &|x| format!("{x:.0} d"),
            )
        );
    }

    // The groups table: the most urgent actions first.
    let mut order: Vec<&GroupResult> = input.results.iter().collect();
    order.sort_by_key(|r| {
        (urgency(r.diagnosis.triage.action.as_str()), std::cmp::Reverse(r.diagnosis.evidence.member_messages))
    });
    let _ = write!(
        o,
        "<h2>{}</h2><div class=\"filters\" data-filter-for=\"groups\"><input type=\"search\" placeholder=\"群名 / name\" aria-label=\"filter\">\
         <select name=\"status\"><option value=\"\">状态 status</option>{}</select>\
         <select name=\"action\"><option value=\"\">建议 action</option>{}</select></div>",
        bi("需要处理的群（最急的在前）", "Groups that need action first"),
        ["alive", "declining", "dormant", "dead"]
            .iter()
            .map(|st| format!("<option value=\"{st}\">{} {st}</option>", status_zh(st)))
            .collect::<String>(),
        ["respond", "clean_ads", "migrate", "boost", "cut_pushes", "split", "dissolve", "keep"]
            .iter()
            .map(|a| format!("<option value=\"{a}\">{} {a}</option>", action_zh(a)))
            .collect::<String>(),
    );
    let _ = write!(
        o,
        "<div class=\"scroll\"><table id=\"groups\" class=\"sortable\"><thead><tr><th>{}</th>{}<th>{}</th><th>{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num hide-narrow\">{}</th><th class=\"hide-narrow\">{}</th></tr></thead><tbody>",
        bi("群名", "group"),
        if as_of_differs { format!("<th class=\"hide-narrow\">{}</th>", bi("截至", "as of")) } else { String::new() },
        bi("状态", "status"),
        bi("阶段", "stage"),
        bi("建议", "action"),
        bi("近30天成员消息", "member msgs (30 d)"),
        bi("寿命(天)", "lifespan (d)"),
        bi("原因", "reason"),
    );
    for r in order {
        let d = &r.diagnosis;
        let action = d.triage.action.as_str();
        let stage = d.stage.map(|s| s.as_str()).unwrap_or("");
        let _ = write!(
            o,
            "<tr data-status=\"{}\" data-action=\"{action}\"><td><a href=\"#g-{}\">{}</a> <span class=\"muted small\">{}</span></td>{}<td data-v=\"{}\">{}{}{}</td><td>{}</td><td data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num hide-narrow\" data-v=\"{}\">{}</td><td class=\"small hide-narrow\">{}</td></tr>",
            d.status.as_str(),
            d.group_id,
            esc(&d.group),
            esc(&d.platform),
            if as_of_differs {
                format!("<td class=\"small hide-narrow\">{}</td>", esc(d.as_of.get(..10).unwrap_or(&d.as_of)))
            } else {
                String::new()
            },
            d.status.as_str(),
            badge(d.status),
            insufficient_note(d),
            early_warning_note(r),
            if stage.is_empty() { "–".into() } else { bi(stage_zh(stage), stage) },
            urgency(action),
            bi(action_zh(action), action),
            d.evidence.member_messages,
            d.evidence.member_messages,
            d.lifespan.days.unwrap_or(-1),
            d.lifespan.days.map_or("–".into(), |x| x.to_string()),
            bi(&d.triage.reason_zh, &d.triage.reason_en),
        );
    }
    o.push_str("</tbody></table></div>");
    o
}

fn group_page(r: &GroupResult) -> String {
    let d = &r.diagnosis;
    let mut o = String::new();
    let _ = write!(
        o,
        "<p><a href=\"#\">{}</a></p><h2>{} {} <span class=\"muted small\">{}</span></h2>",
        bi("← 返回总览", "← back to the portfolio"),
        esc(&d.group),
        badge(d.status),
        esc(&d.platform)
    );
    as_of_line(&mut o, d);
    action_section(&mut o, d);
    early_warning_section(&mut o, r);
    activity_section(&mut o, r);
    roles_section(&mut o, d);
    key_people_section(&mut o, d);
    network_section(&mut o, r);
    responsiveness_section(&mut o, r);
    content_section(&mut o, r);
    value_section(&mut o, r);
    churn_section(&mut o, d);
    settings_section(&mut o, d);
    o
}

/// A young group's risk beside its status in the portfolio table.
fn early_warning_note(r: &GroupResult) -> String {
    match &r.early_warning {
        Some(w) => format!(
            " <span class=\"small\" title=\"{}\">{}</span>",
            esc(&format!(
                "early warning / 早期预警: {}",
                w.reasons.iter().map(|x| x.en.as_str()).collect::<Vec<_>>().join("; ")
            )),
            bi(&format!("预警 {:.0}%", w.risk * 100.0), &format!("risk {:.0}%", w.risk * 100.0))
        ),
        None => String::new(),
    }
}

/// A young group's early warning (METHOD §12): its risk, the three signals that weigh most for
/// it, and the seed's playbook line.
fn early_warning_section(o: &mut String, r: &GroupResult) {
    let Some(w) = &r.early_warning else { return };
    let _ = write!(
        o,
        "<div class=\"card\"><h3>{}: {:.0}%</h3><p class=\"small\">{}</p><ul>",
        bi("早期预警", "Early warning"),
        w.risk * 100.0,
        bi(
            &format!("根据建群后前{}天，{}天时成为死群的概率（校准后）", w.observe_days, w.horizon_days),
            &format!(
                "the calibrated chance that it is dead {} days after creation, from its first {} days",
                w.horizon_days, w.observe_days
            )
        ),
    );
    for x in &w.reasons {
        let _ = write!(o, "<li>{}</li>", bi(&x.zh, &x.en));
    }
    let _ = write!(o, "</ul><p class=\"small\">{}</p></div>", bi(&w.playbook_zh, &w.playbook_en));
}

/// " (insufficient data)" beside a status the data is too short to decide.
fn insufficient_note(d: &Diagnosis) -> String {
    if d.evidence.insufficient_coverage {
        format!(" <span class=\"muted small\">{}</span>", bi("数据不足", "insufficient data"))
    } else {
        String::new()
    }
}

/// The as-of and what the imported sources cover.
fn as_of_line(o: &mut String, d: &Diagnosis) {
    let e = &d.evidence;
    let covers = match (&e.coverage_start, &e.coverage_end, e.coverage_days) {
        (Some(a), Some(b), Some(days)) => format!(
            "; {} {} … {} ({days:.1} d){}",
            bi("数据覆盖", "data covers"),
            esc(a.get(..10).unwrap_or(a)),
            esc(b.get(..10).unwrap_or(b)),
            if e.insufficient_coverage {
                format!(
                    " — <b>{}</b>",
                    bi(
                        &format!(
                            "数据不足{}天，休眠/死亡不作定论",
                            d.settings.status_window_days.max(d.settings.dead_after_days)
                        ),
                        &format!(
                            "insufficient data: under {} days, so dormant/dead is no verdict",
                            d.settings.status_window_days.max(d.settings.dead_after_days)
                        )
                    )
                )
            } else {
                String::new()
            }
        ),
        _ => String::new(),
    };
    let _ = write!(o, "<p class=\"small\">{} {}{covers}</p>", bi("诊断时间", "as of"), esc(&d.as_of));
}

fn action_section(o: &mut String, d: &Diagnosis) {
    let a = d.triage.action.as_str();
    let _ = write!(
        o,
        "<div class=\"card\"><h3>{}: {}</h3><p>{}</p><p class=\"small\">{}</p>",
        bi("建议", "Recommended action"),
        bi(action_zh(a), a),
        bi(&d.triage.reason_zh, &d.triage.reason_en),
        bi(&d.evidence.reason_zh, &d.evidence.reason_en),
    );
    if let Some(st) = &d.stage_detail {
        let s = st.stage.as_str();
        let _ = write!(
            o,
            "<p class=\"small\">{} {} ({:.0}%) — {}</p>",
            bi("阶段", "Stage"),
            bi(stage_zh(s), s),
            st.confidence * 100.0,
            bi(&st.playbook_zh, &st.playbook_en)
        );
    }
    if !d.triage.migration.is_empty() {
        let _ = write!(
            o,
            "<p class=\"small\">{} {}</p>",
            bi("可迁移成员：", "Members to invite:"),
            d.triage.migration.len()
        );
    }
    o.push_str("</div>");
}

fn activity_section(o: &mut String, r: &GroupResult) {
    let d = &r.diagnosis;
    let points: Vec<(f64, f64)> =
        r.series.weekly_human.iter().filter_map(|(w, n)| iso_day_number(w).map(|x| (x, f64::from(*n)))).collect();
    let _ = write!(
        o,
        "<h3>{}</h3>{}<p class=\"small muted\">{}: {} · {}: {} → {} · {}: {}</p>",
        bi("活动时间线（每周成员消息）", "Activity (member messages per week)"),
        svg::line_chart_marked(
            "weekly member messages",
            &[Series { label: Bi::new("成员消息", "member messages"), color: PALETTE[0].into(), points }],
            &day_label,
            &status_markers(d),
            &status_bands(d),
        ),
        bi("创建", "created"),
        esc(d.lifespan.created.as_deref().unwrap_or("–")),
        bi("成员发言", "member messages"),
        esc(d.lifespan.first_member_day.as_deref().unwrap_or("–")),
        esc(d.lifespan.last_member_day.as_deref().unwrap_or("–")),
        bi("状态", "status"),
        bi(status_zh(d.status.as_str()), d.status.as_str()),
    );
    if let Some(ex) = &d.evidence.last_member_message {
        quote(o, &ex.time, &ex.sender, &ex.text);
    }
}

/// A marker where the weekly status changed (METHOD §1), labelled with the new status.
fn status_markers(d: &Diagnosis) -> Vec<Marker> {
    d.status_history
        .windows(2)
        .filter(|w| w[0].status != w[1].status)
        .filter_map(|w| {
            let (from, to) = (w[0].status.as_str(), w[1].status.as_str());
            Some(Marker {
                x: iso_day_number(&w[1].week)?,
                label: Bi::new(status_zh(to), to),
                color: status_color(to).into(),
                title: format!("{}: {} → {} / {from} → {to}", w[1].week, status_zh(from), status_zh(to)),
            })
        })
        .collect()
}

/// The weekly status as coloured spans along the x axis: one span per run of equal weeks.
fn status_bands(d: &Diagnosis) -> Vec<Band> {
    let mut bands: Vec<Band> = Vec::new();
    let mut run_start = 0;
    for (i, w) in d.status_history.iter().enumerate() {
        let last = i + 1 == d.status_history.len() || d.status_history[i + 1].status != w.status;
        if !last {
            continue;
        }
        let first = &d.status_history[run_start];
        run_start = i + 1;
        let (Some(from), Some(to)) = (iso_day_number(&first.week), iso_day_number(&w.week)) else { continue };
        let st = w.status.as_str();
        bands.push(Band {
            from,
            to: to + 7.0,
            color: status_color(st).into(),
            title: format!("{} {st}: {} – {}", status_zh(st), first.week, w.week),
        });
    }
    bands
}

fn quote(o: &mut String, time: &str, sender: &str, text: &str) {
    let _ =
        write!(o, "<div class=\"msg\"><span class=\"meta\">{} · {}</span>{}</div>", esc(time), esc(sender), esc(text));
}

fn roles_section(o: &mut String, d: &Diagnosis) {
    let mix = &d.roles;
    if mix.counts.is_empty() {
        return;
    }
    let bars: Vec<Bar> = mix
        .counts
        .iter()
        .enumerate()
        .map(|(i, (role, n))| Bar {
            label: Bi::new(role_zh(role), role),
            value: f64::from(*n),
            color: PALETTE[i % PALETTE.len()].to_string(),
        })
        .collect();
    let _ = write!(o, "<h3>{}</h3>{}", bi("角色构成", "Role mix"), svg::bar_chart("role mix", &bars));
    let _ = write!(
        o,
        "<div class=\"scroll\"><table><thead><tr><th>{}</th><th class=\"num\">{}</th><th>{}</th></tr></thead><tbody>",
        bi("角色", "role"),
        bi("人数", "people"),
        bi("种子预期", "seed's expected mix")
    );
    for (role, n) in &mix.counts {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"num\">{n}</td><td class=\"small\">{}</td></tr>",
            bi(role_zh(role), role),
            esc(mix.expected.get(role).map(String::as_str).unwrap_or("–"))
        );
    }
    o.push_str("</tbody></table></div>");
    for f in &mix.flags {
        let text = match f.as_str() {
            "silent_over_threshold" => bi(
                &format!("沉默成员超过{}", pct(d.settings.silent_flag_share)),
                &format!("more than {} of members are silent", pct(d.settings.silent_flag_share)),
            ),
            "no_thinker_no_critic" => bi("没有思想者也没有批判者", "no thinker and no critic"),
            other => esc(other),
        };
        let _ = write!(o, "<p class=\"small\">⚠ {text}</p>");
    }
}

fn key_people_section(o: &mut String, d: &Diagnosis) {
    let k = &d.key_people;
    let _ = write!(
        o,
        "<h3>{}</h3><p class=\"small\">{} {}{}</p>",
        bi("关键人物", "Key people"),
        bi("覆盖互动：", "share of interactions covered:"),
        pct(k.covered),
        if k.fragile {
            format!(" · ⚠ {}", bi("依赖少数人", "fragile: rests on few people"))
        } else {
            String::new()
        }
    );
    if k.people.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>{}</th><th class=\"num\">{}</th><th>{}</th></tr></thead><tbody>",
        bi("成员", "member"),
        bi("占比", "share"),
        bi("最后活跃", "last active")
    );
    for p in &k.people {
        let _ = write!(
            o,
            "<tr><td>{}{}</td><td class=\"num\" data-v=\"{:.4}\">{}</td><td>{}</td></tr>",
            esc(&p.name),
            if p.operator {
                format!(" <span class=\"muted small\">{}</span>", bi("管理员", "operator"))
            } else {
                String::new()
            },
            p.share,
            pct(p.share),
            esc(p.last_active.as_deref().unwrap_or("–"))
        );
    }
    o.push_str("</tbody></table></div>");
    for l in &k.losses {
        let _ = write!(
            o,
            "<p class=\"small\">{} {} ({:.0} d)</p>",
            bi("已沉默的关键人物：", "Key person gone silent:"),
            esc(&l.name),
            l.silent_days
        );
        quote(o, &l.last_message.time, &l.last_message.sender, &l.last_message.text);
    }
}

fn network_section(o: &mut String, r: &GroupResult) {
    let n = &r.diagnosis.network;
    let _ = write!(
        o,
        "<h3>{}</h3><p class=\"small\">{} {} · {} {:.2} · {} {}</p>",
        bi("互动网络", "Interaction network"),
        bi("结构：", "structure:"),
        bi(n.structure.zh(), n.structure.as_str()),
        bi("中心化", "centralization"),
        n.centralization,
        bi("成员间互动", "member-to-member"),
        pct(n.member_member_share)
    );
    let nodes: Vec<Node> = r
        .series
        .network_nodes
        .iter()
        .map(|x| Node {
            label: x.name.clone(),
            weight: f64::from(x.messages),
            color: if x.operator { PALETTE[1] } else { PALETTE[0] }.to_string(),
        })
        .collect();
    let edges: Vec<(usize, usize, f64)> =
        r.series.network_edges.iter().map(|&(a, b, w)| (a as usize, b as usize, f64::from(w))).collect();
    if nodes.is_empty() {
        let _ = write!(o, "<p class=\"muted small\">{}</p>", bi("窗口内没有互动。", "No interactions in the window."));
    } else {
        o.push_str(&svg::network("interaction network", &nodes, &edges));
    }
}

fn responsiveness_section(o: &mut String, r: &GroupResult) {
    let Some(rs) = &r.diagnosis.responsiveness else { return };
    let _ = write!(
        o,
        "<h3>{}</h3><p class=\"small\">{} {} · {} {} · {} {}</p>",
        bi("响应", "Responsiveness"),
        if rs.window_days > 0 {
            bi(
                &format!("近{}天提问与新人发言", rs.window_days),
                &format!("questions and newcomers, last {} days", rs.window_days),
            )
        } else {
            bi("提问/请求", "bids")
        },
        rs.bids,
        bi("无人回应", "unanswered"),
        rs.unanswered,
        bi("首次回应中位数(分钟)", "median first response (min)"),
        rs.median_first_response_minutes.map_or("–".into(), |m| format!("{m:.0}"))
    );
    for b in r.unanswered.iter().take(20) {
        quote(o, &b.message.time, &b.message.sender, &b.message.text);
    }
}

fn content_section(o: &mut String, r: &GroupResult) {
    let d = &r.diagnosis;
    if !d.labels_present {
        return;
    }
    let c = &d.content;
    let _ = write!(
        o,
        "<h3>{}</h3><p class=\"small\">{} {} ({}) · {} {} ({})</p>",
        bi("广告与推送", "Ads and pushes"),
        bi("广告", "ads"),
        c.ads,
        pct(c.ad_share),
        bi("推送", "pushes"),
        c.pushes,
        pct(c.push_share)
    );
    if !r.ad_posters.is_empty() {
        let names: Vec<String> =
            r.ad_posters.iter().take(10).map(|p| format!("{} ({}/{})", p.name, p.ads, p.messages)).collect();
        let _ = write!(
            o,
            "<p class=\"small\">{} {}</p>",
            bi("广告发布者（广告/消息）", "ad posters (ads/messages)"),
            esc(&names.join(", "))
        );
    }
    for ex in r.ads.iter().take(20) {
        quote(o, &ex.time, &ex.sender, &ex.text);
    }
    if !r.violations.is_empty() {
        let _ = write!(o, "<h4>{} {}</h4>", bi("违反广告规则", "Ad-policy violations"), r.violations.len());
        for v in r.violations.iter().take(20) {
            let text = format!("{} — {}", v.message.text, v.rules_broken.join("; "));
            quote(o, &v.message.time, &v.message.sender, &text);
        }
    }
}

fn value_section(o: &mut String, r: &GroupResult) {
    if r.series.weekly_value.is_empty() {
        return;
    }
    let cats: Vec<String> = r.series.weekly_value.iter().map(|(w, _)| w.clone()).collect();
    let mut kinds: Vec<String> = Vec::new();
    for (_, ks) in &r.series.weekly_value {
        for (k, _) in ks {
            if !kinds.contains(k) {
                kinds.push(k.clone());
            }
        }
    }
    let stacks: Vec<(Bi, String, Vec<f64>)> = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let vals = r
                .series
                .weekly_value
                .iter()
                .map(|(_, ks)| ks.iter().find(|(x, _)| x == k).map_or(0.0, |(_, n)| f64::from(*n)))
                .collect();
            (Bi::new(value_zh(k), k), PALETTE[i % PALETTE.len()].to_string(), vals)
        })
        .collect();
    let _ = write!(
        o,
        "<h3>{}</h3>{}",
        bi("价值内容构成（每周）", "Value mix per week"),
        svg::stacked_bars("value mix", &cats, &stacks)
    );
}

fn churn_section(o: &mut String, d: &Diagnosis) {
    let c = &d.churn;
    let _ = write!(
        o,
        "<h3>{}</h3><p class=\"small\">{} {} · {} {} · {} {}</p>",
        bi("进退群", "Joins and leaves"),
        bi("加入", "joined"),
        c.joins,
        bi("退出", "left"),
        c.leaves,
        bi("被移出", "removed"),
        c.kicks
    );
    if c.cohorts.is_empty() {
        return;
    }
    // The most recent cohorts that had joiners: older ones are in report.json.
    let shown: Vec<_> = c.cohorts.iter().filter(|x| x.size > 0).collect();
    let shown = &shown[shown.len().saturating_sub(MAX_COHORT_ROWS)..];
    if shown.is_empty() {
        return;
    }
    let rows: Vec<String> = shown.iter().map(|x| format!("{} ({})", x.week, x.size)).collect();
    let cols: Vec<String> = shequn_diagnosis::COHORT_WEEKS.iter().map(|w| format!("+{w}w")).collect();
    let values: Vec<Vec<Option<f64>>> = shown.iter().map(|x| x.present.to_vec()).collect();
    let _ = write!(
        o,
        "<p class=\"small muted\">{}</p>{}",
        bi("每周加入的成员几周后仍在群内的比例", "Share of each week's joiners still in the group weeks later"),
        svg::heatmap("cohort retention", &rows, &cols, &values)
    );
}

fn settings_section(o: &mut String, d: &Diagnosis) {
    let text = serde_json::to_string_pretty(&d.settings).unwrap_or_default();
    let _ = write!(
        o,
        "<details><summary>{}</summary><p class=\"small\">{} {}</p><pre class=\"small\">{}</pre></details>",
        bi("使用的参数", "Settings used"),
        bi("诊断时间", "as of"),
        esc(&d.as_of),
        esc(&text)
    );
}

#include "indicators.h"

#include <string.h>

#define F INDICATOR_FLOW
#define S INDICATOR_STOCK
#define R INDICATOR_RATE

/* In the order of CONTRACT.md. `computed` marks the indicators whose events
 * hrss applies today; the others read 0 until their events are handled. */
static const indicator_t s_catalog[] = {
    {"emp.urban_new_jobs", "城镇新增就业", "人", F, true},
    {"emp.reemployed_unemployed", "失业人员再就业", "人", F, true},
    {"emp.reemployed_hard_to_employ", "就业困难人员再就业", "人", F, true},
    {"emp.transfer_jobs", "农村劳动力转移就业", "人", F, false},
    {"emp.public_welfare_placed", "公益性岗位安置", "人", F, false},
    {"emp.startup_loans_fen", "创业担保贷款发放", "分", F, false},
    {"emp.training_startup", "创业培训", "人次", F, false},
    {"emp.training_startup_passed", "创业培训合格", "人次", F, false},
    {"emp.training_skill", "技能提升培训", "人次", F, false},
    {"emp.jobs_posted", "录入岗位", "个", F, false},
    {"emp.recommendations", "岗位推荐", "人次", F, false},
    {"emp.job_fairs", "招聘会", "场", F, false},
    {"emp.job_fair_positions", "招聘会提供岗位", "个", F, false},
    {"emp.subsidies_fen", "就业补贴发放", "分", F, false},
    {"ins.contributions_fen.enterprise_pension", "征缴", "分", F, false},
    {"ins.contributions_fen.institution_pension", "征缴", "分", F, false},
    {"ins.contributions_fen.resident_pension", "征缴", "分", F, false},
    {"ins.contributions_fen.unemployment", "征缴", "分", F, false},
    {"ins.contributions_fen.work_injury", "征缴", "分", F, false},
    {"ins.benefits_paid_fen.enterprise_pension", "待遇发放", "分", F, false},
    {"ins.benefits_paid_fen.institution_pension", "待遇发放", "分", F, false},
    {"ins.benefits_paid_fen.resident_pension", "待遇发放", "分", F, false},
    {"ins.benefits_paid_fen.unemployment", "待遇发放", "分", F, false},
    {"ins.benefits_paid_fen.work_injury", "待遇发放", "分", F, false},
    {"ins.certifications", "待遇资格认证", "人次", F, false},
    {"ins.stabilization_refund_fen", "稳岗返还", "分", F, false},
    {"ins.deferred_fen", "缓缴", "分", F, false},
    {"ins.suspicious_received", "疑点数据", "条", F, false},
    {"ins.suspicious_verified", "已核实", "条", F, false},
    {"ins.suspicious_to_rectify", "应整改", "条", F, false},
    {"ins.suspicious_to_rectify_fen", "应整改金额", "分", F, false},
    {"ins.recovered_fen", "已追回金额", "分", F, false},
    {"ins.deaths_reported", "死亡直报", "人", F, true},
    {"arr.cases", "欠薪案件", "起", F, false},
    {"arr.cases_coordinated", "协调处理", "起", F, false},
    {"arr.cases_filed", "立案办理", "起", F, false},
    {"arr.cases_to_police", "移交公安", "起", F, false},
    {"arr.cases_closed", "结案", "起", F, false},
    {"arr.recovered_fen", "追回工资", "分", F, false},
    {"arr.workers_helped", "涉及劳动者", "人", F, false},
    {"arr.clues", "欠薪线索", "条", F, false},
    {"arr.clues_closed_on_time", "按时办结", "条", F, false},
    {"arr.arbitrations_filed", "仲裁受理", "件", F, false},
    {"arr.arbitrations_closed", "仲裁结案", "件", F, false},
    {"arr.arbitrations_mediated", "调解结案", "件", F, false},
    {"arr.arbitrations_within_limit", "时限内结案", "件", F, false},
    {"arr.arbitration_fen", "仲裁涉案金额", "分", F, false},
    {"arr.injury_decisions", "工伤认定", "件", F, false},
    {"emp.labor_force", "劳动力资源库", "人", S, true},
    {"emp.registered_unemployed", "登记失业人员", "人", S, true},
    {"emp.poverty_alleviated_working", "脱贫人口务工", "人", S, false},
    {"emp.poverty_alleviated_working.in_county", "脱贫人口务工", "人", S, false},
    {"emp.poverty_alleviated_working.in_province", "脱贫人口务工", "人", S, false},
    {"emp.poverty_alleviated_working.out_of_province", "脱贫人口务工", "人", S, false},
    {"emp.jobs_open", "有效岗位", "个", S, false},
    {"ins.enrolled.enterprise_pension", "参保人数", "人", S, true},
    {"ins.enrolled.institution_pension", "参保人数", "人", S, true},
    {"ins.enrolled.resident_pension", "参保人数", "人", S, true},
    {"ins.enrolled.unemployment", "参保人数", "人", S, true},
    {"ins.enrolled.work_injury", "参保人数", "人", S, true},
    {"ins.recipients.enterprise_pension", "待遇领取", "人", S, false},
    {"ins.recipients.institution_pension", "待遇领取", "人", S, false},
    {"ins.recipients.resident_pension", "待遇领取", "人", S, false},
    {"ins.recipients.unemployment", "待遇领取", "人", S, false},
    {"ins.recipients.work_injury", "待遇领取", "人", S, false},
    {"ins.fund_balance_fen.enterprise_pension", "基金结余", "分", S, false},
    {"ins.fund_balance_fen.institution_pension", "基金结余", "分", S, false},
    {"ins.fund_balance_fen.resident_pension", "基金结余", "分", S, false},
    {"ins.fund_balance_fen.unemployment", "基金结余", "分", S, false},
    {"ins.fund_balance_fen.work_injury", "基金结余", "分", S, false},
    {"ins.recoveries_open_fen", "待追缴", "分", S, false},
    {"arr.projects", "在建项目", "个", S, false},
    {"arr.projects_real_name", "在建项目实名制", "个", S, false},
    {"arr.projects_wage_account", "在建项目工资专户", "个", S, false},
    {"arr.projects_paid_via_account", "在建项目专户代发", "个", S, false},
    {"arr.blacklisted", "黑名单", "家", S, false},
    {"arr.case_closure_rate", "结案率", "%", R, false},
    {"arr.arbitration_mediation_rate", "调解率", "%", R, false},
    {"arr.arbitration_within_limit_rate", "时限内结案率", "%", R, false},
    {"emp.graduates_employment_rate", "高校毕业生就业率", "%", R, false},
    {"ins.suspicious_rectified_rate", "疑点数据整改率", "%", R, false},
};

const indicator_t *
indicator_find(const char *code)
{
    for (size_t i = 0; i < sizeof s_catalog / sizeof *s_catalog; i++)
        if (strcmp(s_catalog[i].code, code) == 0)
            return &s_catalog[i];
    return NULL;
}

const indicator_t *
indicator_all(size_t *count)
{
    *count = sizeof s_catalog / sizeof *s_catalog;
    return s_catalog;
}

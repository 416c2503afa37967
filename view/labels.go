package view

import "strings"

// zhLabels are the Chinese names of the codes that tables show: event
// types, milestones, unit kinds, roles, ratings, sources, urgencies, return reasons, severities,
// metrics and the audit log's actions. In English the codes themselves are the labels.
var zhLabels = map[string]string{
	"opened": "受理", "dispatched": "派遣", "responded": "响应", "reported": "报告", "resolved": "处置",
	"returned": "退回", "return_ruled": "退回裁定", "closed": "办结", "reopened": "重办", "rated": "群众评价",
	"revisited": "回访", "call_evaluated": "评价呼叫", "response_evaluated": "评价响应", "supervised": "监督发现",
	"appealed": "申诉", "appeal_decided": "申诉决定", "finding_withdrawn": "撤销监督发现", "urged": "督办",
	"open": "待决定", "upheld": "支持", "rejected": "驳回", "active": "有效", "withdrawn": "已撤销", "appealed_away": "申诉撤销",
	"call": "呼叫", "respond": "响应", "report": "报告", "dispose": "处置",
	"met": "按时完成", "breached": "超时", "pending": "未到期", "stopped": "已停表",
	"admin": "系统管理员", "org_assessor": "组织部考核员", "discipline_inspector": "纪委监督员",
	"street_head": "街道负责人", "dept_head": "部门负责人", "dispatch": "派遣平台",
	"street": "街道", "community": "社区", "department": "部门", "enterprise": "企业",
	"lead": "主办", "assist": "协办", "head": "主要负责人", "deputy": "副职", "all": "全部",
	"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意",
	"resident": "群众", "grid": "网格员", "hotline": "热线", "patrol": "巡查", "sensor": "感知设备", "other": "其他",
	"normal": "一般", "urgent": "紧急", "critical": "特急",
	"misdirected": "派错", "not_jurisdiction": "非职责", "duplicate": "重复", "cancelled": "取消",
	"notice": "提醒", "warning": "警告", "serious": "严重", "unjustified_return": "无理退回",
	"response_rate": "响应及时率", "report_rate": "报告及时率", "disposal_rate": "处置及时率",
	"resolution_rate": "解决率", "satisfaction_rate": "满意率", "redo_rate": "重办率",
	"response_quality": "响应质量", "response_quality_calibrated": "响应质量（校准）",
	"call_accuracy": "呼叫准确率", "call_quality": "呼叫质量", "call_quality_calibrated": "呼叫质量（校准）",
	"call_timeliness": "呼叫及时率", "urged_met_rate": "督办后按时率",
	// The audit log's actions.
	"ingest": "导入事件", "case.read": "查看案件", "case.read.appeal": "查看申诉案件", "breaches.read": "查看超时记录", "open311.read": "Open311 查询",
	"export": "导出", "backup": "备份", "restore": "恢复", "rebuild": "重建派生数据", "policy.load": "载入规则",
	"login": "登录", "logout": "退出登录", "token.add": "签发令牌", "token.revoke": "吊销令牌",
	"user.add": "新增用户", "user.disable": "停用用户", "user.enable": "启用用户", "user.password": "重设密码",
	"ingest.batch": "事件入库（批）", "user.unlock": "解除登录锁定", "key.move": "移出假名化密钥",
	"appealed.refused": "申诉被拒（案件不可见）", "response_evaluated.refused": "评价被拒（案件不可见）",
	"call_evaluated.refused": "评价被拒（案件不可见）", "urged.refused": "督办被拒（案件不可见）",
	"registry.load": "载入登记信息", "login.failed": "登录失败", "appeal.decide": "决定申诉",
}

// Words shows a code to a reader of lang: its Chinese label, or in
// English the code as words ("appealed_away" → "appealed away"). Label
// keeps the code itself, for output that programs read too.
func Words(code, lang string) string {
	if lang == "en" {
		return strings.ReplaceAll(code, "_", " ")
	}
	return Label(code, lang)
}

// Label shows a code in lang: Chinese from the table above, or the code
// itself (English) for codes it does not have or other languages.
func Label(code, lang string) string {
	if lang != "en" {
		if zh, ok := zhLabels[code]; ok {
			return zh
		}
	}
	return code
}

package synth

// This file holds the fixed name tables of the synthetic district: a city
// district of ten streets and towns in the style of Fuzhou's Gulou District,
// its communities, its agencies and its public-service enterprises.

import "frontline/evaluation"

// streetSpec describes one street or town.
type streetSpec struct {
	zh, en   string
	town     bool
	weight   float64 // relative share of the district's cases
	lat, lon float64 // centre
	comms    []nameSpec
	roads    []string
}

type nameSpec struct{ zh, en string }

var streetSpecs = []streetSpec{
	{zh: "鼓东街道", en: "Gudong Street", weight: 1.2, lat: 26.0905, lon: 119.3050,
		comms: []nameSpec{{"冶山", "Yeshan"}, {"钱塘", "Qiantang"}, {"旗汛口", "Qixunkou"}, {"中山", "Zhongshan"},
			{"虎节", "Hujie"}, {"庆城", "Qingcheng"}, {"贤南", "Xiannan"}, {"大根", "Dagen"}},
		roads: []string{"五一北路", "鼓屏路", "庆城路"}},
	{zh: "鼓西街道", en: "Guxi Street", weight: 1.0, lat: 26.0880, lon: 119.2890,
		comms: []nameSpec{{"杨桥", "Yangqiao"}, {"西湖", "Xihu"}, {"湖滨", "Hubin"}, {"官贤", "Guanxian"},
			{"三通", "Santong"}, {"大梦", "Dameng"}, {"西河", "Xihe"}},
		roads: []string{"杨桥路", "湖滨路", "西河路"}},
	{zh: "温泉街道", en: "Wenquan Street", weight: 1.1, lat: 26.0930, lon: 119.3160,
		comms: []nameSpec{{"温泉", "Wenquan"}, {"汤井", "Tangjing"}, {"湖东", "Hudong"}, {"六一", "Liuyi"},
			{"金汤", "Jintang"}, {"东汤", "Dongtang"}, {"五四", "Wusi"}},
		roads: []string{"五四路", "湖东路", "温泉支路"}},
	{zh: "东街街道", en: "Dongjie Street", weight: 0.8, lat: 26.0860, lon: 119.3040,
		comms: []nameSpec{{"东街", "Dongjie"}, {"文藻", "Wenzao"}, {"井大", "Jingda"}, {"锦巷", "Jinxiang"},
			{"丽文", "Liwen"}, {"法海", "Fahai"}},
		roads: []string{"东街", "八一七北路", "井大路"}},
	{zh: "南街街道", en: "Nanjie Street", weight: 0.9, lat: 26.0830, lon: 119.2990,
		comms: []nameSpec{{"南街", "Nanjie"}, {"吉庇", "Jibi"}, {"光禄", "Guanglu"}, {"宫巷", "Gongxiang"},
			{"衣锦", "Yijin"}, {"双抛", "Shuangpao"}, {"杨桥巷", "Yangqiaoxiang"}},
		roads: []string{"南后街", "吉庇路", "光禄坊"}},
	{zh: "安泰街道", en: "Antai Street", weight: 1.0, lat: 26.0800, lon: 119.2980,
		comms: []nameSpec{{"安泰", "Antai"}, {"朱紫", "Zhuzi"}, {"三坊", "Sanfang"}, {"澳门路", "Aomenlu"},
			{"黄巷", "Huangxiang"}, {"塔巷", "Taxiang"}, {"郎官", "Langguan"}, {"乌山", "Wushan"}},
		roads: []string{"澳门路", "乌山路", "通湖路"}},
	{zh: "华大街道", en: "Huada Street", weight: 0.9, lat: 26.1000, lon: 119.2960,
		comms: []nameSpec{{"华大", "Huada"}, {"屏西", "Pingxi"}, {"屏东", "Pingdong"}, {"北大", "Beida"},
			{"树兜", "Shudou"}, {"琴亭", "Qinting"}},
		roads: []string{"北大路", "华屏路", "琴亭路"}},
	{zh: "水部街道", en: "Shuibu Street", weight: 1.0, lat: 26.0850, lon: 119.3200,
		comms: []nameSpec{{"水部", "Shuibu"}, {"古田", "Gutian"}, {"琯后", "Guanhou"}, {"五一", "Wuyi"},
			{"茶园", "Chayuan"}, {"斗中", "Douzhong"}, {"河口", "Hekou"}},
		roads: []string{"古田路", "五一中路", "福新路"}},
	{zh: "五凤街道", en: "Wufeng Street", weight: 1.1, lat: 26.1050, lon: 119.2850,
		comms: []nameSpec{{"五凤", "Wufeng"}, {"梅峰", "Meifeng"}, {"斗池", "Douchi"}, {"铜盘", "Tongpan"},
			{"金牛山", "Jinniushan"}, {"凤湖", "Fenghu"}},
		roads: []string{"铜盘路", "梅峰路", "五凤路"}},
	{zh: "洪山镇", en: "Hongshan Town", town: true, weight: 1.4, lat: 26.0750, lon: 119.2700,
		comms: []nameSpec{{"洪山", "Hongshan"}, {"西洪", "Xihong"}, {"祭酒岭", "Jijiuling"}, {"国光", "Guoguang"},
			{"凤凰池", "Fenghuangchi"}, {"淮安", "Huai'an"}, {"梅亭", "Meiting"}, {"金山", "Jinshan"}},
		roads: []string{"西二环中路", "洪山园路", "工业路"}},
}

// agencySpec is a department or enterprise: its name and the title of its head.
type agencySpec struct {
	zh, en string
	head   string // title of the head; a deputy is "副" + head
}

var departmentSpecs = []agencySpec{
	{"城市管理局", "City Management Bureau", "局长"},
	{"住房和城乡建设局", "Housing and Urban-Rural Development Bureau", "局长"},
	{"水利局", "Water Resources Bureau", "局长"},
	{"市场监督管理局", "Market Supervision Administration", "局长"},
	{"生态环境局", "Ecology and Environment Bureau", "局长"},
	{"交通运输局", "Transport Bureau", "局长"},
	{"公安分局", "Public Security Sub-bureau", "局长"},
	{"公安分局交通警察大队", "Traffic Police Brigade", "大队长"},
	{"应急管理局", "Emergency Management Bureau", "局长"},
	{"自然资源和规划局", "Natural Resources and Planning Bureau", "局长"},
	{"卫生健康局", "Health Bureau", "局长"},
	{"教育局", "Education Bureau", "局长"},
	{"民政局", "Civil Affairs Bureau", "局长"},
	{"人力资源和社会保障局", "Human Resources and Social Security Bureau", "局长"},
	{"城管执法大队", "Urban Management Law Enforcement Brigade", "大队长"},
	{"环境卫生服务中心", "Sanitation Service Centre", "主任"},
	{"市政工程管理中心", "Municipal Engineering Management Centre", "主任"},
	{"园林绿化中心", "Landscaping and Greening Centre", "主任"},
	{"内河管理中心", "Inland River Management Centre", "主任"},
	{"排水管理中心", "Drainage Management Centre", "主任"},
	{"路灯管理所", "Street Lighting Office", "所长"},
	{"停车管理中心", "Parking Management Centre", "主任"},
	{"物业管理服务中心", "Property Management Service Centre", "主任"},
	{"房屋安全管理中心", "Housing Safety Management Centre", "主任"},
	{"消防救援大队", "Fire and Rescue Brigade", "大队长"},
	{"文化体育和旅游局", "Culture, Sports and Tourism Bureau", "局长"},
	{"商务局", "Commerce Bureau", "局长"},
	{"卫生监督所", "Health Inspection Institute", "所长"},
	{"疾病预防控制中心", "Centre for Disease Control and Prevention", "主任"},
	{"司法局", "Justice Bureau", "局长"},
	{"信访局", "Letters and Visits Bureau", "局长"},
	{"市场监管执法大队", "Market Regulation Enforcement Brigade", "大队长"},
	{"生态环境执法大队", "Environmental Enforcement Brigade", "大队长"},
	{"交通综合执法大队", "Transport Enforcement Brigade", "大队长"},
	{"文化市场综合执法大队", "Cultural Market Enforcement Brigade", "大队长"},
	{"建设工程质量安全监督站", "Construction Quality and Safety Station", "站长"},
	{"拆除违法建设办公室", "Illegal Construction Removal Office", "主任"},
	{"老旧小区改造办公室", "Old Neighbourhood Renovation Office", "主任"},
	{"农贸市场服务中心", "Farmers' Market Service Centre", "主任"},
	{"人民防空办公室", "Civil Air Defence Office", "主任"},
	{"发展和改革局", "Development and Reform Bureau", "局长"},
	{"财政局", "Finance Bureau", "局长"},
	{"工业和信息化局", "Industry and Information Technology Bureau", "局长"},
	{"科学技术局", "Science and Technology Bureau", "局长"},
	{"统计局", "Statistics Bureau", "局长"},
	{"审计局", "Audit Bureau", "局长"},
	{"退役军人事务局", "Veterans Affairs Bureau", "局长"},
	{"医疗保障局", "Healthcare Security Bureau", "局长"},
	{"行政审批服务局", "Administrative Approval Bureau", "局长"},
	{"数据管理局", "Data Administration Bureau", "局长"},
	{"农业农村局", "Agriculture and Rural Affairs Bureau", "局长"},
	{"林业局", "Forestry Bureau", "局长"},
	{"民族与宗教事务局", "Ethnic and Religious Affairs Bureau", "局长"},
	{"机关事务管理局", "Government Offices Administration", "局长"},
	{"国有资产服务中心", "State-owned Assets Service Centre", "主任"},
	{"金融工作办公室", "Financial Affairs Office", "主任"},
	{"投资促进局", "Investment Promotion Bureau", "局长"},
	{"税务局", "Taxation Bureau", "局长"},
	{"人民医院", "District People's Hospital", "院长"},
	{"中医院", "Hospital of Traditional Chinese Medicine", "院长"},
	{"妇幼保健院", "Maternal and Child Health Hospital", "院长"},
	{"公共就业服务中心", "Public Employment Service Centre", "主任"},
	{"社会保险中心", "Social Insurance Centre", "主任"},
	{"养老服务指导中心", "Elderly Care Guidance Centre", "主任"},
	{"殡葬管理所", "Funeral Administration Office", "所长"},
	{"法律援助中心", "Legal Aid Centre", "主任"},
	{"公证处", "Notary Office", "主任"},
	{"残疾人联合会", "Disabled Persons' Federation", "理事长"},
	{"妇女联合会", "Women's Federation", "主席"},
	{"共青团区委", "Communist Youth League District Committee", "书记"},
	{"总工会", "Federation of Trade Unions", "主席"},
	{"红十字会", "Red Cross Society", "会长"},
	{"科学技术协会", "Association for Science and Technology", "主席"},
	{"工商业联合会", "Federation of Industry and Commerce", "主席"},
	{"政法委员会", "Political and Legal Affairs Commission", "书记"},
	{"社会治理综合服务中心", "Social Governance Service Centre", "主任"},
	{"网格化服务管理中心", "Grid Service Management Centre", "主任"},
	{"融媒体中心", "Media Convergence Centre", "主任"},
	{"档案馆", "District Archives", "馆长"},
	{"气象局", "Meteorological Bureau", "局长"},
	{"邮政管理局", "Postal Administration", "局长"},
	{"烟草专卖局", "Tobacco Monopoly Bureau", "局长"},
	{"动物卫生监督所", "Animal Health Inspection Institute", "所长"},
	{"食品药品检验所", "Food and Drug Testing Institute", "所长"},
	{"文物保护中心", "Cultural Heritage Protection Centre", "主任"},
	{"城市更新中心", "Urban Renewal Centre", "主任"},
}

// Oversight bodies: they rule on returns, decide appeals and supervise, and
// handle no cases themselves.
const (
	// OrgDepartment is the unit code of the district's organization department.
	OrgDepartment = "ORG"
	// DisciplineCommission is the unit code of the district's discipline
	// inspection and supervision commission.
	DisciplineCommission = "DIS"
)

var oversightSpecs = []struct {
	code string
	agencySpec
}{
	{OrgDepartment, agencySpec{"区委组织部", "Organization Department of the District Committee", "部长"}},
	{DisciplineCommission, agencySpec{"区纪委监委", "District Commission for Discipline Inspection and Supervision", "书记"}},
}

var enterpriseSpecs = []agencySpec{
	{"自来水有限公司", "Water Supply Company", "总经理"},
	{"供电公司", "Power Supply Company", "总经理"},
	{"燃气有限公司", "Gas Company", "总经理"},
	{"公交集团", "Bus Group", "总经理"},
	{"中国电信分公司", "China Telecom Branch", "总经理"},
	{"中国移动分公司", "China Mobile Branch", "总经理"},
	{"中国联通分公司", "China Unicom Branch", "总经理"},
	{"广电网络公司", "Cable Network Company", "总经理"},
	{"地铁集团", "Metro Group", "总经理"},
	{"邮政分公司", "China Post Branch", "总经理"},
}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙陶黎贺顾毛郝龚邵严戴")

var givenChars = []rune("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉萍红娟建文辉力云峰斌志国海东春晓晨宇鹏飞林浩凯琳雪梅兰婷宁彬鑫颖昊博思源卫振清德荣福祥俊")

// DistrictName is the synthetic district's name: its streets are those of
// Fuzhou's Gulou District.
var DistrictName = evaluation.Name{Zh: "鼓楼区（演示）", En: "Gulou District (demo)"}

package synth

import (
	"math/rand/v2"
	"time"

	"frontline/evaluation"
)

// handler is a unit that may lead a category's cases, with its relative share.
type handler struct {
	unit   string
	weight float64
}

// categorySpec is a kind of case as the generator sees it: its registry entry,
// how common it is and in which months, who handles it, and how it is titled.
type categorySpec struct {
	code, class, urgency string
	zh, en               string
	weight               float64
	season               func(m time.Month) float64
	sensor               bool // sensors may report it
	handlers             []handler
	titles               []string
}

func rainy(m time.Month) float64 {
	switch m {
	case time.May, time.June:
		return 3
	case time.July, time.August, time.September:
		return 2.5
	case time.April, time.October:
		return 1.2
	}
	return 0.5
}

func typhoon(m time.Month) float64 {
	switch m {
	case time.July, time.August, time.September:
		return 3.5
	case time.June, time.October:
		return 1.5
	}
	return 0.6
}

func summer(m time.Month) float64 {
	switch m {
	case time.June, time.July, time.August, time.September:
		return 1.4
	case time.December, time.January, time.February:
		return 0.8
	}
	return 1
}

func winter(m time.Month) float64 {
	switch m {
	case time.November, time.December, time.January, time.February:
		return 1.3
	}
	return 1
}

var categorySpecs = []categorySpec{
	{code: "garbage", class: "A", urgency: "normal", zh: "垃圾清理", en: "Garbage clean-up", weight: 12, season: summer,
		handlers: []handler{{"D16", 6}, {"D01", 2}, {"D15", 1}},
		titles:   []string{"垃圾堆积未清运", "垃圾桶满溢", "建筑垃圾乱倒", "生活垃圾散落路面"}},
	{code: "standing_water", class: "A", urgency: "urgent", zh: "道路积水", en: "Standing water", weight: 4, season: rainy, sensor: true,
		handlers: []handler{{"D20", 5}, {"D17", 2}, {"D03", 1}},
		titles:   []string{"道路积水严重", "下穿通道积水", "小区门口积水影响通行"}},
	{code: "sewage_overflow", class: "A", urgency: "normal", zh: "污水冒溢", en: "Sewage overflow", weight: 3, season: rainy,
		handlers: []handler{{"D20", 4}, {"D17", 2}},
		titles:   []string{"污水井冒溢", "化粪池外溢", "下水道堵塞反水"}},
	{code: "road_damage", class: "B", urgency: "normal", zh: "道路破损", en: "Road damage", weight: 7,
		handlers: []handler{{"D17", 5}, {"D02", 2}, {"D06", 1}},
		titles:   []string{"路面坑洼", "人行道板松动", "道路塌陷", "路缘石破损"}},
	{code: "water_pipe_burst", class: "B", urgency: "urgent", zh: "供水管道爆裂", en: "Burst water pipe", weight: 3, season: winter, sensor: true,
		handlers: []handler{{"E01", 6}, {"D17", 1}},
		titles:   []string{"供水管道爆裂", "路面冒水", "水表井漏水"}},
	{code: "manhole_cover", class: "B", urgency: "urgent", zh: "井盖缺失破损", en: "Missing or damaged manhole cover", weight: 3, sensor: true,
		handlers: []handler{{"D17", 3}, {"E01", 1}, {"E05", 1}, {"E02", 1}},
		titles:   []string{"井盖缺失", "井盖破损", "井盖异响松动"}},
	{code: "gas_leak", class: "B", urgency: "critical", zh: "燃气泄漏", en: "Gas leak", weight: 1,
		handlers: []handler{{"E03", 5}, {"D09", 1}, {"D25", 1}},
		titles:   []string{"闻到燃气味", "燃气管道泄漏", "燃气表漏气"}},
	{code: "power_outage", class: "B", urgency: "urgent", zh: "停电故障", en: "Power outage", weight: 2, season: summer,
		handlers: []handler{{"E02", 6}},
		titles:   []string{"小区突然停电", "电线杆倾斜", "配电箱故障"}},
	{code: "fallen_tree", class: "B", urgency: "urgent", zh: "树木倒伏", en: "Fallen tree", weight: 1.5, season: typhoon,
		handlers: []handler{{"D18", 5}, {"D01", 1}},
		titles:   []string{"树木倒伏阻塞道路", "树枝断裂悬挂", "行道树倾斜"}},
	{code: "illegal_parking", class: "C", urgency: "normal", zh: "违章停车", en: "Illegal parking", weight: 10,
		handlers: []handler{{"D08", 5}, {"D22", 2}, {"D34", 1}},
		titles:   []string{"车辆占用消防通道", "人行道违停", "路口乱停车"}},
	{code: "noise", class: "C", urgency: "normal", zh: "噪声扰民", en: "Noise nuisance", weight: 7, season: summer,
		handlers: []handler{{"D07", 3}, {"D33", 2}, {"D05", 1}, {"D15", 1}},
		titles:   []string{"夜间施工噪声", "广场舞噪声扰民", "商铺音响扰民"}},
	{code: "illegal_construction", class: "C", urgency: "normal", zh: "违法搭建", en: "Illegal construction", weight: 4,
		handlers: []handler{{"D37", 3}, {"D15", 3}, {"D02", 1}, {"D10", 1}},
		titles:   []string{"楼顶违法搭建", "占用公共区域搭建", "擅自改变房屋结构"}},
	{code: "street_vendor", class: "C", urgency: "normal", zh: "占道经营", en: "Street vending", weight: 7,
		handlers: []handler{{"D15", 5}, {"D01", 2}, {"D39", 1}, {"E10", 0.3}},
		titles:   []string{"流动摊贩占道", "店外经营", "快递网点占道"}},
	{code: "food_safety", class: "C", urgency: "normal", zh: "食品安全", en: "Food safety", weight: 3,
		handlers: []handler{{"D04", 3}, {"D32", 2}, {"D28", 1}},
		titles:   []string{"餐馆卫生差", "销售过期食品", "无证经营餐饮"}},
	{code: "cooking_fumes", class: "C", urgency: "normal", zh: "餐饮油烟", en: "Cooking fumes", weight: 4,
		handlers: []handler{{"D05", 3}, {"D33", 2}, {"D04", 1}},
		titles:   []string{"餐饮油烟直排", "烧烤油烟扰民"}},
	{code: "streetlight", class: "C", urgency: "normal", zh: "路灯不亮", en: "Street light out", weight: 4, season: winter, sensor: true,
		handlers: []handler{{"D21", 6}, {"E02", 1}},
		titles:   []string{"路灯不亮", "路灯白天常亮", "灯杆破损"}},
	{code: "water_outage", class: "C", urgency: "normal", zh: "停水", en: "Water outage", weight: 2,
		handlers: []handler{{"E01", 6}, {"D23", 1}},
		titles:   []string{"无预告停水", "水压过低", "自来水浑浊"}},
	{code: "bus_service", class: "C", urgency: "normal", zh: "公交服务", en: "Bus service", weight: 2,
		handlers: []handler{{"E04", 5}, {"D06", 2}},
		titles:   []string{"公交站台破损", "公交车过站不停", "公交班次间隔过长"}},
	{code: "telecom_cable", class: "C", urgency: "normal", zh: "通信线缆凌乱", en: "Overhead cable clutter", weight: 2,
		handlers: []handler{{"E05", 2}, {"E06", 2}, {"E07", 2}, {"E08", 1}, {"D43", 1}},
		titles:   []string{"通信线缆下垂", "飞线凌乱", "光交箱破损"}},
	{code: "greenery", class: "C", urgency: "normal", zh: "绿化养护", en: "Greenery upkeep", weight: 3,
		handlers: []handler{{"D18", 5}, {"D23", 1}},
		titles:   []string{"绿化带杂草丛生", "树枝遮挡信号灯", "绿地被毁"}},
	{code: "property_service", class: "C", urgency: "normal", zh: "物业服务纠纷", en: "Property service dispute", weight: 6,
		handlers: []handler{{"D23", 5}, {"D02", 2}, {"D38", 1}},
		titles:   []string{"物业不作为", "小区电梯长期故障", "物业费纠纷", "楼道堆放杂物"}},
	{code: "shared_bikes", class: "C", urgency: "normal", zh: "共享单车乱停放", en: "Badly parked shared bikes", weight: 4,
		handlers: []handler{{"D06", 3}, {"D01", 2}, {"D22", 1}},
		titles:   []string{"共享单车堆积", "共享单车占用盲道"}},
	{code: "river_pollution", class: "C", urgency: "normal", zh: "内河污染", en: "Inland river pollution", weight: 2, season: summer, sensor: true,
		handlers: []handler{{"D19", 5}, {"D05", 2}, {"D03", 1}},
		titles:   []string{"内河水体发黑发臭", "河面漂浮垃圾", "排污口偷排"}},
	{code: "fire_hazard", class: "C", urgency: "urgent", zh: "消防隐患", en: "Fire hazard", weight: 2, season: winter,
		handlers: []handler{{"D25", 4}, {"D09", 2}},
		titles:   []string{"电动车楼道充电", "消防通道堵塞", "灭火器过期"}},
	{code: "metro_construction", class: "C", urgency: "normal", zh: "地铁施工影响", en: "Metro construction nuisance", weight: 1.5,
		handlers: []handler{{"E09", 4}, {"D02", 1}, {"D36", 1}},
		titles:   []string{"地铁施工围挡占道", "地铁施工扬尘", "地铁施工夜间噪声"}},
}

// category is a categorySpec bound to the district, with cumulative weights
// for picking its lead handler.
type category struct {
	categorySpec
	cum []float64
	sla sla
}

func newCategory(s categorySpec) *category {
	c := &category{categorySpec: s, sla: slaFor(s.class)}
	total := 0.0
	for _, h := range s.handlers {
		total += h.weight
		c.cum = append(c.cum, total)
	}
	return c
}

func (c *category) registry() evaluation.Category {
	return evaluation.Category{Code: c.code, Class: c.class, Urgency: c.urgency, Name: evaluation.Name{Zh: c.zh, En: c.en}}
}

// pickHandler draws a lead unit for a case of this category.
func (c *category) pickHandler(r *rand.Rand) string {
	return c.handlers[pickCum(r, c.cum)].unit
}

// handles reports whether unit is one of the category's handlers.
func (c *category) handles(unit string) bool {
	for _, h := range c.handlers {
		if h.unit == unit {
			return true
		}
	}
	return false
}

func (c *category) seasonal(m time.Month) float64 {
	if c.season == nil {
		return c.weight
	}
	return c.weight * c.season(m)
}

// pickCum returns the index drawn from cumulative weights.
func pickCum(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

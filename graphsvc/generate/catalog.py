"""Static reference data of the synthetic province: regions, diagnoses, catalogue, names.

Kept as plain tuples so the generator is reproducible without any external file and
the lists can be read by the detection engineer to know what "normal" looks like.
"""

from __future__ import annotations

from typing import NamedTuple


class Region(NamedTuple):
    code: str  # region_code of participants and institutions
    name: str
    weight: float  # resident population, 10k people (drives the participant share)
    id_prefixes: tuple[str, ...]  # district codes used as the first 6 digits of ID numbers


# Hainan's prefecture-level cities (4601xx-4604xx) and province-administered counties (4690xx).
REGIONS: tuple[Region, ...] = (
    Region("460100", "海口市", 293.0, ("460105", "460106", "460107", "460108")),
    Region("460200", "三亚市", 103.0, ("460202", "460203", "460204", "460205")),
    Region("460300", "三沙市", 0.3, ("460300",)),
    Region("460400", "儋州市", 95.0, ("460400",)),
    Region("469001", "五指山市", 11.0, ("469001",)),
    Region("469002", "琼海市", 53.0, ("469002",)),
    Region("469005", "文昌市", 56.0, ("469005",)),
    Region("469006", "万宁市", 55.0, ("469006",)),
    Region("469007", "东方市", 44.0, ("469007",)),
    Region("469021", "定安县", 28.0, ("469021",)),
    Region("469022", "屯昌县", 26.0, ("469022",)),
    Region("469023", "澄迈县", 50.0, ("469023",)),
    Region("469024", "临高县", 42.0, ("469024",)),
    Region("469025", "白沙黎族自治县", 16.0, ("469025",)),
    Region("469026", "昌江黎族自治县", 23.0, ("469026",)),
    Region("469027", "乐东黎族自治县", 46.0, ("469027",)),
    Region("469028", "陵水黎族自治县", 37.0, ("469028",)),
    Region("469029", "保亭黎族苗族自治县", 15.0, ("469029",)),
    Region("469030", "琼中黎族苗族自治县", 17.0, ("469030",)),
)
# Third-level hospitals (region index into REGIONS, name), in order of creation.
L3_HOSPITALS: tuple[tuple[int, str], ...] = (
    (0, "海南省人民医院"),
    (0, "海南医学院第一附属医院"),
    (1, "三亚中心医院"),
    (3, "海南西部中心医院"),
    (0, "海南省中医院"),
    (0, "海南医学院第二附属医院"),
    (0, "海南省肿瘤医院"),
    (1, "海南省第三人民医院"),
    (3, "儋州市第一人民医院"),
    (0, "海南省妇女儿童医学中心"),
)
# ID-number birthplaces of migrants (Hunan, Guangdong, Guangxi, Sichuan, Heilongjiang...).
MIGRANT_PREFIXES: tuple[str, ...] = (
    "430102", "430621", "440106", "440883", "450102", "450881", "510104", "511302",
    "230102", "410105", "360102", "350203",
)  # fmt: skip

ROADS: tuple[str, ...] = (
    "滨海大道", "龙昆南路", "国兴大道", "海秀路", "南沙路", "金盘路", "白龙南路", "和平北路",
    "解放西路", "大同路", "世贸北路", "文明东路", "椰海大道", "丘海大道", "红城湖路", "府城大道",
    "迎宾路", "新风街", "解放路", "河东路", "胜利路", "人民大道", "中山路", "文化路",
    "建设路", "新华路", "兴海路", "东风路", "北门路", "环城路", "椰林路", "凤凰路",
    "榆亚路", "三亚湾路", "光明路", "公园路", "育才路", "振兴路", "海榆中线", "府海路",
)  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "符", "冯", "邓", "韩", "曹",
    "许", "邢", "云", "吉", "羊", "蔡", "潘", "杜", "钟", "彭",
)  # fmt: skip
GIVEN: tuple[str, ...] = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "文", "玉", "兰", "建", "国", "海",
    "志", "红", "梅", "琳", "宇", "浩", "欣", "怡", "婷", "雪", "晨", "阳", "亮", "峰", "波",
    "春", "荣", "德", "福", "清", "金", "燕", "慧", "佳", "子", "俊", "鹏", "博", "晓", "东",
)  # fmt: skip

DEPARTMENTS: tuple[str, ...] = (
    "内科", "外科", "儿科", "妇产科", "骨科", "心血管内科", "内分泌科", "呼吸内科",
    "消化内科", "神经内科", "肿瘤科", "全科", "急诊科", "眼科", "皮肤科", "康复科",
)  # fmt: skip


class Diagnosis(NamedTuple):
    code: str
    name: str
    drugs: tuple[int, ...]  # indices into DRUGS typically prescribed


class Drug(NamedTuple):
    code: str  # national insurance catalogue code (医保药品编码), 23 characters
    name: str
    price_cents: int  # per pack
    product: str  # 7-digit product identifier, the first digits of its trace codes
    high_value: bool


def _drug(code: str, name: str, price: float, product: str, high: bool = False) -> Drug:
    return Drug(code, name, round(price * 100), product, high)


DRUGS: tuple[Drug, ...] = (
    _drug("XA10BAD134A001010179137", "盐酸二甲双胍片", 18.50, "8113428"),  # 0
    _drug("XA10BBG057A001010101445", "格列美脲片", 32.00, "8120316"),  # 1
    _drug("XA10AEJ036B002010178623", "甘精胰岛素注射液", 156.00, "8639402"),  # 2
    _drug("XC09CAA190A001010104380", "缬沙坦胶囊", 28.60, "8147701"),  # 3
    _drug("XC08CAA050A001010101898", "苯磺酸氨氯地平片", 15.20, "8155509"),  # 4
    _drug("XC10AAA036A001010178001", "阿托伐他汀钙片", 22.40, "8160112"),  # 5
    _drug("XB01ACA056A001010104371", "阿司匹林肠溶片", 12.80, "8170208"),  # 6
    _drug("XJ01CAA040E001010101443", "阿莫西林胶囊", 9.90, "8182215"),  # 7
    _drug("XJ01DCC064A001010100916", "头孢克洛缓释片", 26.50, "8191043"),  # 8
    _drug("XR05XAF078F001010102010", "复方甘草口服溶液", 8.60, "8203387"),  # 9
    _drug("XN02BEA001A001010102314", "对乙酰氨基酚片", 6.50, "8210776"),  # 10
    _drug("XA02BCA211A001010178556", "奥美拉唑肠溶胶囊", 19.80, "8226654"),  # 11
    _drug("XA07DAL073A001010102233", "蒙脱石散", 14.30, "8230981"),  # 12
    _drug("XM01AEB109A001010101774", "布洛芬缓释胶囊", 16.70, "8249910"),  # 13
    _drug("XS01AEL054G001010104091", "左氧氟沙星滴眼液", 18.00, "8251102"),  # 14
    _drug("XD07ACT154F001010102119", "糠酸莫米松乳膏", 23.50, "8263348"),  # 15
    _drug("XR03AKS054L001010178802", "沙美特罗替卡松吸入粉雾剂", 218.00, "8272256"),  # 16
    _drug("XJ05AFE063A001010101221", "恩替卡韦分散片", 56.00, "8285532"),  # 17
    _drug("XB01AFL010A001010100882", "利伐沙班片", 145.00, "8291170", True),  # 18
    _drug("XL01EBA182A001010178110", "甲磺酸奥希替尼片", 5390.00, "8302251", True),  # 19
    _drug("XL01FDA041B002010104217", "注射用曲妥珠单抗", 1986.00, "8318803", True),  # 20
    _drug("XB05AAR005B002010102566", "人血白蛋白", 420.00, "8326641", True),  # 21
    _drug("XL04ABA134B002010178913", "阿达木单抗注射液", 1290.00, "8337712", True),  # 22
    _drug("XM05BAA214B002010100478", "唑来膦酸注射液", 698.00, "8345520", True),  # 23
    _drug("XA16AXS035B002010101306", "注射用鼠神经生长因子", 268.00, "8350026", True),  # 24
    _drug("XN06DXD071A001010104052", "银杏叶提取物注射液", 86.00, "8362219", True),  # 25
    _drug("XJ01DDC035B002010101441", "注射用头孢曲松钠", 38.00, "8377014"),  # 26
    _drug("XB05BBL046B002010178664", "氯化钠注射液", 4.20, "8381236"),  # 27
    _drug("XN05CFZ001A001010102998", "酒石酸唑吡坦片", 31.00, "8396601"),  # 28
    _drug("XM01AHS049A001010101112", "塞来昔布胶囊", 38.40, "8402281"),  # 29
)
HIGH_VALUE_DRUGS: tuple[int, ...] = tuple(i for i, d in enumerate(DRUGS) if d.high_value)
# High-value drugs a colluding doctor/pharmacy pair pushes (resalable, expensive).
COLLUSION_DRUGS: tuple[int, ...] = (19, 21, 22, 24)
ONCOLOGY_DRUGS: tuple[int, ...] = (19, 20, 23)


class Service(NamedTuple):
    code: str  # 医疗服务项目编码
    name: str
    price_cents: int


SERVICES: tuple[Service, ...] = (
    Service("001102000010000", "普通门诊诊查费", 1000),  # 0
    Service("001102000020000", "副主任医师门诊诊查费", 2500),  # 1
    Service("250101001000000", "血常规检查", 2000),  # 2
    Service("250302001000000", "血糖测定", 800),  # 3
    Service("210102001000000", "数字化摄影(DR)", 9000),  # 4
    Service("210300001000000", "CT平扫", 32000),  # 5
    Service("001105000010000", "床位费(普通病房)", 5000),  # 6
    Service("001202000010000", "二级护理", 2800),  # 7
    Service("311201001000000", "静脉输液", 1200),  # 8
    Service("330000000000000", "手术费", 180000),  # 9
    Service("250401001000000", "肝功能检查", 6000),  # 10
    Service("220800001000000", "彩色多普勒超声检查", 18000),  # 11
    Service("310000000000000", "住院综合治疗费", 38000),  # 12
    Service("340200001000000", "运动疗法", 4500),  # 13
    # Components of bundled services (billed on their own only when a bundle is split).
    Service("250101002000000", "红细胞计数", 800),  # 14
    Service("250101003000000", "白细胞计数", 800),  # 15
    Service("250101004000000", "血小板计数", 800),  # 16
    Service("250401002000000", "丙氨酸氨基转移酶测定", 2500),  # 17
    Service("250401003000000", "天门冬氨酸氨基转移酶测定", 2500),  # 18
    Service("250401004000000", "总胆红素测定", 2500),  # 19
)
SV_CONSULT, SV_CONSULT_SENIOR, SV_BLOOD, SV_GLUCOSE, SV_XRAY, SV_CT = 0, 1, 2, 3, 4, 5
SV_BED, SV_NURSING, SV_INFUSION, SV_SURGERY, SV_LIVER, SV_ULTRASOUND = 6, 7, 8, 9, 10, 11
SV_TREATMENT, SV_PHYSIO = 12, 13
# Bundled service -> its component services (分解项目收费 bills the components instead).
SPLITTABLE: dict[int, tuple[int, ...]] = {SV_BLOOD: (14, 15, 16), SV_LIVER: (17, 18, 19)}

DIAGNOSES: tuple[Diagnosis, ...] = (
    Diagnosis("J06.9", "急性上呼吸道感染", (7, 9, 10, 13)),  # 0
    Diagnosis("K29.7", "胃炎", (11, 12)),  # 1
    Diagnosis("M54.5", "腰痛", (13, 29)),  # 2
    Diagnosis("A09", "感染性腹泻", (12, 7)),  # 3
    Diagnosis("H10.9", "结膜炎", (14,)),  # 4
    Diagnosis("L30.9", "皮炎", (15,)),  # 5
    Diagnosis("R51", "头痛", (10, 13, 28)),  # 6
    Diagnosis("E11.9", "2型糖尿病", (0, 1, 2)),  # 7
    Diagnosis("I10", "原发性高血压", (3, 4, 6)),  # 8
    Diagnosis("I25.1", "冠状动脉粥样硬化性心脏病", (5, 6, 18)),  # 9
    Diagnosis("J44.9", "慢性阻塞性肺疾病", (16, 9)),  # 10
    Diagnosis("B18.1", "慢性乙型病毒性肝炎", (17,)),  # 11
    Diagnosis("M17.9", "膝关节病", (29, 13)),  # 12
    Diagnosis("J18.9", "肺炎", (26, 27, 8)),  # 13
    Diagnosis("I63.9", "脑梗死", (6, 5, 25, 27)),  # 14
    Diagnosis("K80.2", "胆囊结石", (26, 27, 11)),  # 15
    Diagnosis("S82.2", "胫骨骨干骨折", (26, 27, 13)),  # 16
    Diagnosis("O80", "单胎顺产", (27, 26)),  # 17
    Diagnosis("C34.9", "支气管或肺恶性肿瘤", (19, 27, 23)),  # 18
    Diagnosis("C50.9", "乳房恶性肿瘤", (20, 27, 23)),  # 19
    Diagnosis("N18.9", "慢性肾脏病", (21, 27, 3)),  # 20
    Diagnosis("M06.9", "类风湿关节炎", (22, 29)),  # 21
    Diagnosis("G45.9", "短暂性脑缺血发作", (6, 24, 25)),  # 22
    Diagnosis("Z51.1", "肿瘤化学治疗疗程", (19, 20, 23)),  # 23
)
ACUTE_DIAGS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
ACUTE_WEIGHTS: tuple[float, ...] = (0.34, 0.16, 0.14, 0.1, 0.07, 0.09, 0.1)
CHRONIC_DIAGS: tuple[int, ...] = (7, 8, 9, 10, 11, 12)
CHRONIC_WEIGHTS: tuple[float, ...] = (0.3, 0.38, 0.12, 0.08, 0.06, 0.06)
INPATIENT_DIAGS: tuple[int, ...] = (13, 14, 15, 16, 17, 9, 10, 20)
INPATIENT_WEIGHTS: tuple[float, ...] = (0.26, 0.16, 0.14, 0.12, 0.1, 0.1, 0.07, 0.05)
DIAG_E11, DIAG_I10, DIAG_C34, DIAG_C50, DIAG_Z51 = 7, 8, 18, 19, 23

INSTITUTION_WORDS = {
    "l2": ("人民医院", "中医院", "第二人民医院", "妇幼保健院"),
    "l1": ("镇卫生院", "中心卫生院", "社区医院", "骨伤医院", "康复医院"),
    "clinic": ("社区卫生服务中心", "社区卫生服务站", "村卫生室", "综合门诊部", "诊所"),
    "pharmacy": ("大药房", "医药连锁店", "健康药房", "百姓大药房", "一心堂药店", "益丰大药房"),
}  # fmt: skip
# Neighbourhood words for institution names (generic, so they fit every city).
PLACE_WORDS: tuple[str, ...] = (
    "城东", "城西", "城南", "城北", "中心", "新区", "滨海", "东湖", "西湖", "南桥",
    "北门", "新华", "金海", "椰风", "阳光", "康宁", "福民", "东风", "文化", "和平",
    "新港", "海滨", "湖滨", "红星", "长青", "朝阳", "光明", "民生", "安康", "万福",
)  # fmt: skip

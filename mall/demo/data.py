"""The demo's catalogue and the word lists its members are made from: every name in Chinese and English, once.

A product's `name` is what the shop shows today (Chinese); `name_en`, `category_en`, a shop's `name_en` and
`description_en` are kept here for the English columns of the bilingual content (set when the model has them,
see `mall.demo.english`). `options` are the sizes, colours or weights a product comes in: one variant each.
"""

from __future__ import annotations

from typing import NamedTuple


class Item(NamedTuple):
    """One product of a demo shop."""

    key: str  # how the demo's code names it
    name: str
    name_en: str
    category: str
    category_en: str
    price: str
    stock: int
    sale: bool = False
    #: Option name → values, e.g. {"size": ["M", "L"]}; each combination is a variant.
    options: dict | None = None
    #: How often shoppers pick it, relative to the shop's other products.
    weight: int = 10


class Shop(NamedTuple):
    """One demo shop: what `tenants.create_tenant` takes, its products and its English names."""

    slug: str
    name: str
    shipping_fee: str
    free_shipping_threshold: str | None
    items: list[Item]
    name_en: str
    description_zh: str
    description_en: str
    #: The shop's card colour (product images), as RGB.
    colour: tuple[int, int, int]
    #: How much of the mall's trade the shop gets (relative).
    weight: int


SIZES = {"size": ["S", "M", "L", "XL"]}
SHOE_SIZES = {"size": ["39", "40", "41", "42", "43"]}
TEE = {"size": ["S", "M", "L", "XL"], "colour": ["白色", "黑色", "灰色"]}
#: The English of every option value above and below that is not already English.
OPTION_VALUES_EN = {"白色": "White", "黑色": "Black", "灰色": "Grey", "藏青": "Navy", "卡其": "Khaki",
                    "蓝色": "Blue", "粉色": "Pink", "原木": "Natural wood", "100克": "100 g", "250克": "250 g",
                    "单盒": "Single box", "双盒": "Two boxes", "3斤": "1.5 kg", "5斤": "2.5 kg",
                    "6.1英寸": "6.1-inch", "6.7英寸": "6.7-inch", "红轴": "Red switches", "茶轴": "Brown switches"}


def _shop(slug, name, name_en, zh, en, fee, threshold, colour, weight, items) -> Shop:
    return Shop(slug, name, fee, threshold, items, name_en, zh, en, colour, weight)


SHOPS: list[Shop] = [
    _shop("vancl", "凡客风尚", "VANCL Style", "日常基础款：T恤、衬衫和帆布鞋，VIP 与 SVIP 会员全年享优惠。",
          "Everyday basics: tees, shirts and canvas shoes; VIP and SVIP members save all year.",
          "10.00", "99.00", (44, 98, 160), 30, [
              Item("tee", "纯棉圆领T恤", "Cotton crew-neck tee", "T恤", "T-shirts", "59.00", 2400, options=TEE,
                   weight=30),
              Item("oxford", "牛津纺衬衫", "Oxford shirt", "衬衫", "Shirts", "129.00", 900, options=SIZES, weight=16),
              Item("canvas", "经典帆布鞋", "Classic canvas shoes", "鞋履", "Shoes", "99.00", 700, options=SHOE_SIZES,
                   weight=14),
              Item("hoodie", "限时连帽卫衣", "Flash sale: hooded sweatshirt", "卫衣", "Hoodies", "79.00", 300, True,
                   SIZES, weight=12),
              Item("polo", "珠地棉Polo衫", "Piqué polo shirt", "T恤", "T-shirts", "89.00", 900, options=TEE, weight=14),
              Item("vtee", "V领T恤", "V-neck tee", "T恤", "T-shirts", "49.00", 1500, options=TEE, weight=18),
              Item("linen", "亚麻休闲衬衫", "Linen casual shirt", "衬衫", "Shirts", "159.00", 500, options=SIZES),
              Item("denim", "水洗牛仔衬衫", "Washed denim shirt", "衬衫", "Shirts", "139.00", 500, options=SIZES),
              Item("chino", "修身卡其裤", "Slim chinos", "裤装", "Trousers", "149.00", 700,
                   options={"size": ["28", "30", "32", "34"], "colour": ["卡其", "藏青"]}, weight=12),
              Item("jeans", "直筒牛仔裤", "Straight-leg jeans", "裤装", "Trousers", "179.00", 700,
                   options={"size": ["28", "30", "32", "34"]}, weight=12),
              Item("shorts", "休闲短裤", "Casual shorts", "裤装", "Trousers", "69.00", 600, options=SIZES, weight=8),
              Item("jogger", "束脚运动裤", "Jogger trousers", "裤装", "Trousers", "99.00", 600, options=SIZES),
              Item("down", "轻薄羽绒服", "Light down jacket", "外套", "Jackets", "399.00", 400,
                   options={"size": ["M", "L", "XL"], "colour": ["黑色", "藏青"]}, weight=9),
              Item("windbreaker", "防风夹克", "Windbreaker", "外套", "Jackets", "259.00", 300, options=SIZES, weight=6),
              Item("fleece", "摇粒绒外套", "Fleece jacket", "外套", "Jackets", "189.00", 400, options=SIZES, weight=8),
              Item("sneakers", "白色板鞋", "White sneakers", "鞋履", "Shoes", "199.00", 500, options=SHOE_SIZES,
                   weight=9),
              Item("socks", "棉袜五双装", "Cotton socks (5 pairs)", "配饰", "Accessories", "39.00", 2000, weight=16),
              Item("cap", "棒球帽", "Baseball cap", "配饰", "Accessories", "49.00", 600, weight=7),
              Item("belt", "真皮腰带", "Leather belt", "配饰", "Accessories", "119.00", 300, weight=5),
              Item("sweat", "圆领卫衣", "Crew-neck sweatshirt", "卫衣", "Hoodies", "119.00", 700, options=TEE,
                   weight=12),
          ]),
    _shop("taobao", "淘宝手作小铺", "Taobao Handmade", "手工皂、香薰蜡烛和毛巾；近三个月消费即可升级 VIP 或 SVIP。",
          "Handmade soap, candles and towels for the home; spend in any three months to reach VIP or SVIP.",
          "8.00", "88.00", (176, 92, 60), 20, [
              Item("soap", "手工冷制皂", "Cold-process soap", "洗浴", "Bath", "25.00", 3000, weight=30),
              Item("candle", "香薰蜡烛", "Scented candle", "家居", "Home", "68.00", 1200, weight=20),
              Item("towels", "团购毛巾三件套", "Group buy: towel set", "洗浴", "Bath", "39.90", 1500, True,
                   {"colour": ["白色", "灰色", "粉色"]}, weight=18),
              Item("bathbomb", "泡澡球礼盒", "Bath bomb gift box", "洗浴", "Bath", "45.00", 800, weight=10),
              Item("loofah", "天然丝瓜络", "Natural loofah", "洗浴", "Bath", "15.00", 1000, weight=10),
              Item("diffuser", "无火香薰", "Reed diffuser", "家居", "Home", "79.00", 600, weight=12),
              Item("cushion", "棉麻抱枕", "Cotton-linen cushion", "家居", "Home", "59.00", 500,
                   options={"colour": ["原木", "灰色", "蓝色"]}, weight=8),
              Item("mug", "手绘陶瓷杯", "Hand-painted mug", "家居", "Home", "42.00", 800, weight=10),
              Item("throw", "针织毯", "Knitted throw", "家居", "Home", "169.00", 300, weight=5),
              Item("basket", "藤编收纳篮", "Rattan basket", "收纳", "Storage", "55.00", 500, weight=6),
              Item("jar", "玻璃密封罐", "Glass storage jar", "收纳", "Storage", "29.00", 900, weight=8),
              Item("robe", "纯棉浴袍", "Cotton bathrobe", "洗浴", "Bath", "139.00", 300, options=SIZES, weight=5),
              Item("handcream", "手工护手霜", "Handmade hand cream", "护理", "Care", "35.00", 1000, weight=12),
              Item("lipbalm", "蜂蜡润唇膏", "Beeswax lip balm", "护理", "Care", "19.90", 1500, weight=12),
              Item("oil", "薰衣草精油", "Lavender essential oil", "护理", "Care", "49.00", 700, weight=8),
              Item("tray", "实木托盘", "Wooden tray", "家居", "Home", "65.00", 400, weight=5),
          ]),
    _shop("fourtier", "茗香茶庄", "Mingxiang Tea House", "精选茗茶与茶具，会员分普通、银牌、金牌、钻石四级。",
          "Fine tea and teaware, with four member tiers from Regular to Diamond.",
          "12.00", "199.00", (58, 110, 72), 18, [
              Item("teapot", "宜兴紫砂壶", "Yixing clay teapot", "茶具", "Teaware", "499.00", 150, weight=6),
              Item("giftbox", "茶叶礼盒", "Tea gift box", "茶叶", "Tea", "258.00", 600,
                   options={"pack": ["单盒", "双盒"]}, weight=14),
              Item("cups", "青瓷茶杯四只装", "Celadon tea cups (4)", "茶具", "Teaware", "88.00", 500, weight=12),
              Item("sampler", "特价试饮装", "Special: tasting sampler", "茶叶", "Tea", "29.90", 1500, True, weight=20),
              Item("longjing", "西湖龙井", "West Lake Longjing", "茶叶", "Tea", "168.00", 600,
                   options={"weight": ["100克", "250克"]}, weight=14),
              Item("puer", "云南普洱茶饼", "Yunnan Pu'er cake", "茶叶", "Tea", "198.00", 400, weight=10),
              Item("tieguanyin", "安溪铁观音", "Anxi Tieguanyin", "茶叶", "Tea", "128.00", 600,
                   options={"weight": ["100克", "250克"]}, weight=12),
              Item("jasmine", "茉莉花茶", "Jasmine tea", "茶叶", "Tea", "58.00", 900, weight=16),
              Item("lapsang", "正山小种红茶", "Lapsang souchong", "茶叶", "Tea", "138.00", 500, weight=10),
              Item("whitetea", "福鼎白茶", "Fuding white tea", "茶叶", "Tea", "228.00", 400, weight=7),
              Item("gaiwan", "白瓷盖碗", "Porcelain gaiwan", "茶具", "Teaware", "68.00", 600, weight=9),
              Item("teatray", "竹制茶盘", "Bamboo tea tray", "茶具", "Teaware", "158.00", 300, weight=5),
              Item("kettle", "电陶炉煮茶器", "Electric tea stove", "茶具", "Teaware", "299.00", 36, weight=4),
              Item("pitcher", "玻璃公道杯", "Glass fairness pitcher", "茶具", "Teaware", "36.00", 800, weight=8),
              Item("caddy", "锡制茶叶罐", "Tin tea caddy", "茶具", "Teaware", "118.00", 300, weight=5),
              Item("dahongpao", "武夷大红袍", "Wuyi Da Hong Pao", "茶叶", "Tea", "268.00", 400, weight=8),
          ]),
    _shop("gadget", "极客数码", "Geek Digital", "手机配件、耳机和电脑外设，下单越多等级越高。",
          "Phone accessories, earphones and computer gear; the more orders, the higher your tier.",
          "6.00", "59.00", (70, 70, 96), 16, [
              Item("cable", "快充数据线", "Fast-charge cable", "线材", "Cables", "29.00", 3000,
                   options={"length": ["1m", "2m"]}, weight=26),
              Item("charger", "65W氮化镓充电器", "65W GaN charger", "充电", "Charging", "129.00", 900, weight=16),
              Item("powerbank", "20000mAh充电宝", "20000 mAh power bank", "充电", "Charging", "149.00", 800, weight=12),
              Item("earbuds", "真无线蓝牙耳机", "True wireless earbuds", "音频", "Audio", "299.00", 600,
                   options={"colour": ["白色", "黑色"]}, weight=12),
              Item("headphones", "头戴式降噪耳机", "Noise-cancelling headphones", "音频", "Audio", "699.00", 40,
                   weight=4),
              Item("speaker", "便携蓝牙音箱", "Portable speaker", "音频", "Audio", "199.00", 400, weight=6),
              Item("case", "手机保护壳", "Phone case", "手机配件", "Phone accessories", "39.00", 2000,
                   options={"model": ["6.1英寸", "6.7英寸"], "colour": ["黑色", "蓝色", "粉色"]}, weight=20),
              Item("glass", "钢化膜两片装", "Tempered glass (2)", "手机配件", "Phone accessories", "25.00", 2500,
                   weight=18),
              Item("stand", "铝合金手机支架", "Aluminium phone stand", "手机配件", "Phone accessories", "59.00", 800,
                   weight=8),
              Item("mouse", "无线静音鼠标", "Silent wireless mouse", "电脑配件", "Computer accessories", "79.00", 900,
                   weight=12),
              Item("keyboard", "机械键盘", "Mechanical keyboard", "电脑配件", "Computer accessories", "349.00", 300,
                   options={"switch": ["红轴", "茶轴"]}, weight=5),
              Item("hub", "七合一扩展坞", "7-in-1 USB-C hub", "电脑配件", "Computer accessories", "169.00", 500,
                   weight=7),
              Item("ssd", "1TB移动固态硬盘", "1 TB portable SSD", "存储", "Storage", "499.00", 250, weight=4),
              Item("sdcard", "128GB存储卡", "128 GB memory card", "存储", "Storage", "69.00", 900, weight=9),
              Item("strap", "智能手表表带", "Smartwatch strap", "穿戴", "Wearables", "49.00", 900,
                   options={"colour": ["黑色", "灰色", "粉色"]}, weight=8),
              Item("band", "智能手环", "Fitness band", "穿戴", "Wearables", "229.00", 400, weight=6),
              Item("lamp", "护眼台灯", "Eye-care desk lamp", "生活电器", "Home electronics", "189.00", 300, weight=5),
              Item("flashcable", "限时秒杀编织线", "Flash deal: braided cable", "线材", "Cables", "9.90", 2000, True,
                   weight=14),
          ]),
    _shop("fresh", "鲜果时光", "Fresh Orchard", "产地直发的应季水果、坚果和乳品，会员消费越多折扣越大。",
          "Seasonal fruit, nuts and dairy shipped from the farm; the more members spend, the bigger the discount.",
          "10.00", "68.00", (214, 120, 40), 16, [
              Item("apple", "烟台红富士苹果", "Yantai Fuji apples", "水果", "Fruit", "39.90", 3000,
                   options={"weight": ["3斤", "5斤"]}, weight=22),
              Item("orange", "赣南脐橙", "Gannan navel oranges", "水果", "Fruit", "35.90", 3000,
                   options={"weight": ["3斤", "5斤"]}, weight=20),
              Item("kiwi", "徐香猕猴桃12个", "Xuxiang kiwis (12)", "水果", "Fruit", "29.90", 2000, weight=14),
              Item("mango", "海南贵妃芒", "Hainan mangoes", "水果", "Fruit", "45.90", 1500, weight=12),
              Item("cherry", "智利车厘子", "Chilean cherries", "水果", "Fruit", "89.00", 800, weight=10),
              Item("grape", "阳光玫瑰葡萄", "Shine Muscat grapes", "水果", "Fruit", "59.90", 1200, weight=12),
              Item("durian", "金枕榴莲", "Monthong durian", "水果", "Fruit", "168.00", 300, weight=4),
              Item("strawberry", "丹东草莓", "Dandong strawberries", "水果", "Fruit", "69.90", 1000, weight=10),
              Item("walnut", "新疆纸皮核桃", "Xinjiang walnuts", "坚果", "Nuts", "49.90", 1200, weight=9),
              Item("nuts", "每日坚果30包", "Daily nuts (30 packs)", "坚果", "Nuts", "99.00", 1200, weight=12),
              Item("pistachio", "原味开心果", "Pistachios", "坚果", "Nuts", "45.00", 1000, weight=8),
              Item("jujube", "和田大枣", "Hotan jujubes", "干果", "Dried fruit", "39.00", 900, weight=6),
              Item("raisin", "吐鲁番葡萄干", "Turpan raisins", "干果", "Dried fruit", "25.00", 1200, weight=6),
              Item("driedmango", "芒果干", "Dried mango", "干果", "Dried fruit", "22.90", 1500, weight=9),
              Item("juice", "NFC鲜榨橙汁6瓶", "NFC orange juice (6)", "饮品", "Drinks", "59.00", 1000, weight=9),
              Item("coconut", "椰子水12瓶", "Coconut water (12)", "饮品", "Drinks", "69.00", 900, weight=7),
              Item("yogurt", "希腊酸奶", "Greek yogurt", "乳品", "Dairy", "36.00", 1500, weight=12),
              Item("milk", "有机纯牛奶", "Organic milk", "乳品", "Dairy", "65.00", 1500, weight=12),
              Item("honey", "土蜂蜜", "Wild honey", "滋补", "Health", "78.00", 600, weight=5),
              Item("goji", "宁夏枸杞", "Ningxia goji berries", "滋补", "Health", "42.00", 800, weight=5),
              Item("basket", "节日水果礼篮", "Festive fruit basket", "礼盒", "Gift boxes", "199.00", 300, weight=4),
              Item("blueberry", "限时蓝莓", "Flash deal: blueberries", "水果", "Fruit", "19.90", 2500, True, weight=14),
          ]),
]

#: A member's name: family name + given name (Chinese), or an English given name for one member in ten.
FAMILY_NAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
                "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦"
                "邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN_NAMES = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
               "明", "超", "秀兰", "霞", "平", "刚", "桂英", "欣怡", "子涵", "浩然", "梓萱", "宇轩",
               "雨桐", "思远", "一诺", "佳怡", "俊杰", "晨曦", "若汐", "博文", "诗涵", "子墨", "梦瑶",
               "天佑", "紫萱", "嘉怡", "志强", "文博", "婉清", "乐乐", "可欣", "晓东", "海燕")
ENGLISH_NAMES = ("Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Chloe", "Leo", "Grace",
                 "Ryan", "Lily", "Jack", "Sophie", "Daniel", "Zoe", "Kevin", "Amy", "Eric")

#: (province, city, postcode, [districts]) for delivery addresses.
PLACES = [
    ("上海市", "上海市", "200000", ["浦东新区", "徐汇区", "静安区", "闵行区", "杨浦区"]),
    ("北京市", "北京市", "100000", ["朝阳区", "海淀区", "东城区", "丰台区"]),
    ("广东省", "广州市", "510000", ["天河区", "越秀区", "番禺区", "海珠区"]),
    ("广东省", "深圳市", "518000", ["南山区", "福田区", "宝安区", "龙岗区"]),
    ("浙江省", "杭州市", "310000", ["西湖区", "滨江区", "余杭区", "拱墅区"]),
    ("江苏省", "南京市", "210000", ["鼓楼区", "玄武区", "建邺区"]),
    ("江苏省", "苏州市", "215000", ["姑苏区", "工业园区", "吴中区"]),
    ("四川省", "成都市", "610000", ["武侯区", "锦江区", "高新区", "青羊区"]),
    ("湖北省", "武汉市", "430000", ["武昌区", "江汉区", "洪山区"]),
    ("陕西省", "西安市", "710000", ["雁塔区", "碑林区", "未央区"]),
    ("福建省", "厦门市", "361000", ["思明区", "湖里区"]),
    ("山东省", "青岛市", "266000", ["市南区", "崂山区", "黄岛区"]),
    ("湖南省", "长沙市", "410000", ["岳麓区", "天心区", "开福区"]),
    ("重庆市", "重庆市", "400000", ["渝中区", "江北区", "南岸区"]),
    ("天津市", "天津市", "300000", ["和平区", "南开区", "河西区"]),
]
STREETS = ("人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "黄河路", "文化路", "新华路",
           "青年路", "学府路", "科技路", "湖滨路", "滨江大道", "世纪大道")
COMPOUNDS = ("阳光花园", "翠湖小区", "金色家园", "锦绣华庭", "幸福里", "东方明珠苑", "绿城桂花园", "万科城",
             "碧桂园", "时代广场")

#: The named shoppers' delivery addresses (the default of each one's address book), in SHOPPERS' order.
HOMES = [
    {"name": "李丽 Alice Li", "phone": "13800138001", "region": "上海市", "city": "上海市", "district": "静安区",
     "street": "南京西路 1266 号 恒隆广场 12 楼", "postcode": "200040"},
    {"name": "王博 Bob Wang", "phone": "+86 139 1000 2002", "region": "北京市", "city": "北京市", "district": "朝阳区",
     "street": "建国门外大街 1 号", "postcode": "100004"},
    {"name": "陈可 Carol Chen", "phone": "0571-8888 6666", "region": "浙江省", "city": "杭州市", "district": "西湖区",
     "street": "文三路 90 号 2 幢 301 室", "postcode": "310012"},
]
#: Carriers a shop ships with, and how their tracking numbers look (prefix, digits, suffix).
CARRIERS = [("顺丰速运", "SF", 12, ""), ("中通快递", "7", 13, ""), ("圆通速递", "YT", 13, ""),
            ("京东物流", "JD", 13, ""), ("韵达快递", "43", 13, ""), ("EMS", "E", 9, "CN")]

#: What shoppers write in a review, by rating.
REVIEWS = {
    5: ["质量很好，和描述一致，会回购！", "物流很快，包装完好，好评。", "非常满意，已经推荐给朋友了。",
        "性价比很高，值得购买。", "第二次买了，一如既往的好。", "做工精细，超出预期。", ""],
    4: ["总体不错，就是发货稍慢。", "东西挺好的，颜色比图片略深。", "还可以，期待下次优惠。",
        "满意，包装可以再好一点。", ""],
    3: ["一般般，和预期有点差距。", "还行吧，价格有点贵。", "中规中矩。"],
    2: ["不太满意，做工一般。", "尺码偏小，建议买大一码。"],
    1: ["质量太差了，已申请退货。", "和描述不符，失望。"],
}

#: Why a shopper asked for a refund (after-sales reasons).
#: Why shoppers ask for their money back: (the after-sales reason code, what they write).
REFUND_REASONS = [("wrong_item", "尺码不合适"), ("no_longer_needed", "不想要了"), ("quality", "商品有瑕疵"),
                  ("wrong_item", "发错货了"), ("damaged", "商品破损"), ("not_as_described", "与描述不符")]

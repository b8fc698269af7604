"""Use versus mention: a claim quoted in order to be removed, banned or discussed is not a claim made.

"广告文案里不能写“最好”“第一”", "remove 'guaranteed returns' from the slide",
"竞品宣传自己是“行业天花板”，我们不跟这种说法": the phrase is there, the claim is not. A quoted stretch counts as a
mention when a removal, ban or discussion cue stands before it or after it in the same sentence; a quoted phrase
with no such cue ("我们的口号是“全网最低价”") is still a claim. Rules opt in with `excuse_mentions` (the claim
packs do; PII rules never do: a quoted ID is still an ID). A question about a phrase ("“全网最低”违规吗？") is not a
mention: the finding is the answer.

Someone else's words ("客户原话", "竞品宣称", "their CEO said") are a mention only when that someone is the
speaker: the clause names no one of ours before them ("我跟老客户说", "我们给每位客户都承诺", "our deck for
customers says" are our claims) and nothing after the quote adopts it ("…——这是我们的新口号"). When in doubt the
phrase is checked: a needless warning costs a glance, a missed claim costs a fine.

The text is folded first (NFKC: "，" arrives as ","). Quote lists are found once and each is judged in a bounded
window around it, so the scan stays linear on long texts (the checker takes up to 200,000 characters).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Literal

_CLOSE = "”\"」』’'"
# An ASCII quote mark inside a word is an apostrophe ("can't use 'the best'", "'the best we've seen'").
_QUOTED = (r"(?:[“「『‘]|(?<![A-Za-z0-9])['\"])(?:[^" + _CLOSE + r"\n]|(?<=[A-Za-z])['’](?=[A-Za-z])){1,100}"
           r"(?:[”」』’]|['\"](?![A-Za-z0-9]))")
# One quote or a list of them; possessive, so a run of quotes is taken whole and never re-tried from inside.
_QUOTES = re.compile(rf"(?:{_QUOTED}(?:或者|以及|同埋)?[\s、，,和及或与]{{0,3}}+"
                     r"(?:or\s+|and\s+|或者\s*|以及\s*|同埋\s*|同\s*)?)++", re.IGNORECASE)
_END = re.compile(r"[。！？!?\n]")
BEFORE, AFTER = 40, 30  # how far (characters, same sentence) a cue may stand from the quote
SPAN = 200  # the longest stretch either side of a quote read as its sentence

_CUE_BEFORE = re.compile(
    r"不能写|不能用|不能说|不要写|不要用|别写|别用|(?:不要|不能|别)在[^，,。“”\n]{0,8}?写|禁止使用|禁止|禁用|不得使用|不得出现|不允许|删掉|删除|去掉|改掉|避免使用|避免|慎用"
    r"|\b(?:can't|can’t|cannot|don't|don’t|do\s+not|never|must\s+not|avoid|remove|delete|drop|strike|replace|banned|ban"
    r"|prohibited|not\s+allowed|off-limits)\b"
    r"|\b(?:competitor|rival|another\s+vendor|they)\b[^.!?\n]{0,20}\bcalls?\s+(?:itself|themselves)"
    r"|(?<!\bour\s)(?<!\bour\snew\s)\b(?:brochure|website|ad|advert|flyer|deck|site|banner)\s+calls?\s+(?:itself|themselves|it)\b"
    r"|\bwithout\s+(?:legal|compliance)\s+(?:sign-?off|approval|review)\b"
    r"|\b(?:cut|removed|deleted|struck|took\s+out|taken\s+out|scrubbed)(?=\s*(?:the\s+(?:words?|phrases?|claims?)\s+)?['\"“‘])"
    r"|(?<!\bour\s)\b(?:reader|customer|client|user|guest|buyer|patient|parent)s?['’]?\s+(?:review|testimonial|feedback|comment)s?\b"
    r"|严禁|不要说|别说|改写成合规|改写为合规|不会(?:向[^，,。“”]{0,6})?承诺|不承诺|用户评价|评价摘录|客户原话"
    r"|(?:竞品|友商|对手|竞争对手|别家)[^，,。“”\n]{0,10}?(?:打出|打着|标榜)",
    re.IGNORECASE,
)
# Someone else's words: a customer's praise, a rival's claim, a tender's wording. `who` must be the speaker.
_THIRD_PARTY = re.compile(
    r"(?P<who>客户|顾客|客人|用户|买家|网友|竞品|友商|竞争对手|对手|对方|别家|别的公司|其他公司|另一家|其他品牌|招标文件|标书|主播|博主|达人"
    r"|隔壁|同行(?!业)|货代|候选人|应聘者|(?<![没所拥持])有人(?!工|性|员|气|家)|(?i:client|customer)|部落客|网红|食评|(?i:KOL)|(?<![我咱])他们(?:的)?\s*(?:CEO|老板|老总|负责人))"
    r"(?!经理|代表|专员|成功|服务|群|端|那边我)"
    # (the thing that carries the words may end its clause: "竞品的宣传册，上面写着“…”")
    r"(?P<mid>[^，,；;。“”\n]{0,12}?(?:[，,](?:上面|里面|上头))?)(?:原话|说|(?<![电说对讲通的句])话(?![术题费筒单])|讲|反馈|评价|表示|提到|宣称|声称|号称|自称|写|称|承诺|要求"
    r"|留言|评论|好评|印着|的一句话|截图|用了|用的是)"
    r"|\b(?P<who_en>customers?|clients?|buyers?|prospects?|competitors?|rivals?|partners?|distributors?|resellers?|franchisees?|reviewers?|reviews?|users?|the\s+tender|the\s+rfp"
    r"|their\s+[a-z]+(?:\s+[a-z]+)?)\b"
    r"(?P<mid_en>[^.!?,;\n]{0,30}?)(?:\b(?:said|says|told\s+us|wrote|writes|claims?|claimed|called\s+(?:us|it)|calls\s+us|calling\s+us"
    r"|(?:is\s+)?tell(?:s|ing)\s+(?:prospects|customers|clients|buyers|people|everyone)"
    r"|describes?|described|used(?:\s+the\s+(?:phrase|line|slogan|words?))?|pitch(?:es|ed|ing)?|advertis(?:es|ed|ing)|touts?|touted|touting)\b|['’]s\s+(?:own\s+)?words\b)",
    re.IGNORECASE,
)
# Before the third party in its clause: none of us and no preposition that makes it an object ("我会跟老客户说",
# "我们在客户报价单里写"); between it and the verb: none of us as a subject ("客户对我们说" is still the customer).
# (安排网红说, 记得同客户讲: ours)
_OURS_BEFORE_ZH = re.compile(r"[我咱你您]|跟|对|和|给|向|告诉|帮|替|为|在|让|请|叫|把|找|雇"
                             r"|安排(?!参观|拜访|见面|会议|的|过)|(?<![不共陪合相协])同(?!行|事|学|类|时|样|比|一|意|步)")
_OURS_MID_ZH = re.compile(r"(?<![对跟向给和])[我咱]|[你您]")
_OURS_BEFORE_EN = re.compile(r"\b(?:we|our|ours|us|i|my|me|to|for|with)\b|\bwe'", re.IGNORECASE)
_OURS_MID_EN = re.compile(r"\b(?:we|our|i|my)\b|\bwe'", re.IGNORECASE)
# Right after the party's verb: we are what they speak of ("说我们是", "话我哋系", "said we're", "wrote that our app
# is").
_ABOUT_US_ZH = re.compile(r"(?:我们|我哋|我家|我司|咱们|咱家)(?:家|公司|店|的[\u4e00-\u9fff]{1,4})?"
                          r"(?:是|系|为|就是|真系|真是)?")
_ABOUT_US_EN = re.compile(r"\s*(?:that\s+)?(?:we(?:['’]re|\s+are|\s+were)?|us|our\s+[\w-]+(?:\s+(?:is|was|are))?)\b",
                          re.IGNORECASE)
_TO_THEM = re.compile(r"(?:就|要|记得|一律)(?:同|跟|对|和|向)佢")
_TOLD_ZH = re.compile(r"一律|统一|记得|问[^，,。]{0,3}就")
_TOLD_AHEAD_ZH = re.compile(r"(?:见到|遇到|碰到|面对|如果|要是)[^，,。；;：:！？!?\n]{0,6}$")
_TOLD_EN = re.compile(r"\b(?:can|could|should|may|must|who)\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[，,；;：:。！？!?\n]")
_CUE_AFTER = re.compile(
    r"(?:违规|违禁|违法)(?![吗么嘛不])|删掉|删除|去掉|改成|改为|改写|换成|不能用|不要用|不能写|不合规|不跟"
    r"|这(?:种|类)(?:说法|表述|词|用语|字眼|话)|这些(?:形容词|词|字眼)|的说法|的表述|不[能得准许]出现|是(?:竞品|友商|对手|别家|人家)的"
    r"|(?:这种话|这类话)[^，,。！!？?]{0,8}?(?:别|不要|不能|不可|千万|慎)|别跟着|不跟着|(?<!同行)千万别学|不要学"
    r"|这类词|这种词|的字眼|等字眼|等词|等说法|等表述|不通过|被罚|判违规|(?<![不绝])违反了?(?!合同)[^，,。]{0,8}?(?:法|规定|条例|规范)|(?<!不)(?:涉及|涉嫌|属于|构成|(?<!不)可能)误导|没有[^。]{0,8}支撑|没有依据|无法证实|不能证实"
    r"|\b(?:is|are)\s+(?:banned|not\s+allowed|prohibited|off-limits|being\s+phased\s+out)"
    r"|\bfrom\s+the\s+(?:copy|deck|slides?|poster|page|brochure|listing|website|ad|packaging)"
    r"|—\s*we'?d\s+rather|\bclaims?\s+(?:we|you)\s+can'?t|\bwas\s+flagged\b|\(their\s+words\)|（(?:原话|他们的原话)）"
    r"|(?<!未)(?<!没)被投诉(?!过)|被(?:平台)?下架|(?:投诉|违规)[^，,。]{0,6}下架|无依据|结论[^，,。]{0,6}?(?:不使用|不用|不采用)|决定不使用|不再使用|否决"
    r"|\bis\s+on\s+the\s+(?:banned|blacklist)|\b(?:has|have)\s+been\s+flagged\s+by\s+(?:our\s+)?(?:compliance|legal)"
    r"|^\s*(?:has|have)\s+been\s+(?:removed|dropped|retired|deleted|withdrawn)\b|\bshould\s+not\s+be\s+reused\b|\b(?:got|were|was|been)\s+fined\b|\bwants?\s+it\s+(?:gone|removed)\b|明显误导|误导性|改掉|法务(?:说)?不行|法务不同意|还没审|未审|唔好(?:reshare|share|转发)|\b(?:we|legal|compliance)\s+can['’]?t\s+(?:substantiate|back\s+(?:it|that|this)\s+up|prove\s+(?:it|that))\b"
    r"|\b(?:has|have|needs?)\s+to\s+(?:come\s+off|go(?=\s*(?:[.,;!]|$|from\b))|be\s+(?:removed|dropped|cut|deleted))"
    r"|\b(?:wording|phrasing|phrase|claim)\b[^.!?\n]{0,30}?\b(?:was|were|is|has\s+been|got)\s+(?:flagged|removed|rejected"
    r"|banned|struck|cut|dropped)\b",
    re.IGNORECASE,
)
# Cues that count only right before the quote, a colon at most between: someone's review or a count of how often a
# word was said ("买家秀：“…”", "说了三次“最好的”", "不要出现“最”“第一”", "you said 'world-class' three times").
_CUE_ADJACENT = re.compile(
    r"(?:买家秀|买家评价|顾客评价|网友评价|(?:客户|顾客|用户|买家)\s*(?:review|评价|好评|留言)|(?:不要|不能|别|不得|不可)再?出现"
    r"|说了[一二两三四五六七八九十几\d]+(?:次|遍)|(?:又|还)(?:写|用|说)了|\byou\s+(?:said|used|kept\s+saying)"
    r"|\bretir(?:e|es|ed|ing)\s+(?:the\s+)?(?:tagline|slogan|claim|line|headline)"
    r"|(?:竞品|友商|竞争对手|对手)[A-Za-z0-9]?\s*(?:自称|号称|声称|宣称)"
    # (dev-o, dev-p: 不得宣称「…」, 冇讲「…」, 唔好写「…」, 别跟客户说“…”, "Legal flagged '…'")
    r"|(?:不得|不可|不能|不准|不许|唔可以|唔准)(?:宣称|声称|标榜|\s*claim)|冇(?:讲|写)过?|唔好(?:写|用|讲)|唔可以(?:写|用|讲|话)|唔准(?:写|用|讲|话)"
    r"|(?:不要|不能|别)(?:在|跟|和|对)[^，,。“”\n我咱\s]{0,12}?(?:说|讲|提)"
    r"|\b(?:legal|compliance)\s+(?:team\s+)?(?:flagged|rejected|struck(?:\s+out)?|removed|cut))"
    # (a bridge to the quote: 不要跟客户说我们是“…”, 不得宣称本品是“…”, "Legal flagged our tagline '…'")
    r"(?:[^，,。“”\n]{0,6}?(?:是|系|为)|我们|我哋|本品|\s+(?:our|the)\s+(?:tagline|slogan|claim|headline|line|phrase|wording))?\s*[:：]?\s*$",
    re.IGNORECASE,
)
# A customer's or prospect's question or message right before it is theirs ("客户问：“你们是不是全市最便宜的？”",
# "Customer asked me:", "Buyer message: '…'").
_ASKED_BY_THEM = re.compile(r"(?:客户|对方|顾客|买家|家长|(?i:customer|client|prospect|buyer)s?)\s*"
                            r"(?:问|(?i:asked|message|msg|inquiry|enquiry))"
                            r"\s*(?:我们|我|(?i:me|us))?\s*[:：,]?\s*$")
# A list of words to avoid in brackets after "no superlatives": "no superlatives (best, #1, leading)".
_AVOID_LIST = re.compile(r"\bno\s+(?:superlatives|absolute\s+(?:claims|terms))\s*[(（][^)）\n]{1,80}[)）]",
                         re.IGNORECASE)
# Cues that count only right after the quote, nothing between ("“全网最低”要删", "「顶级」字样全部替换为参数"):
# after a comma they speak of something else ("“行业第一”，坏了免费替换", "…，别用那些杂牌了").
_CUE_NEAR = re.compile(
    r"\s*(?:呢|这|那)?(?:句|个词|几个字|字眼)?\s*(?:都|也)?\s*(?:唔好|不要|别|不能|唔可以)再?(?:用|写|讲|说)(?!是|成|同行|别家|其他|别人|对手)"
    r"|\s*(?:这|那)?(?:几个字|个词|句话|字眼)?\s*(?:都|也|已经?|全部)?\s*(?:(?:一定)?(?:要|得|该|需要?|必须)?删|拿掉|撤掉|撤下|替换(?!了|掉)|别用|别堆|少用|字样|不属实|站不住)"
    r"|\s*(?:→|->|=>)\s*(?:delete|remove|删除|删|去掉)\s*(?:[,，;；]|$|\n)|\s*(?:不准确|有误)",
    re.IGNORECASE,
)
_LIST_TAIL = re.compile(r"(?:[\s、，,和及或与]|\bor\s|\band\s)+$", re.IGNORECASE)
# Words after the quote that take it up as ours: "…——这是我们的新口号", "…, as our tagline", "原稿保留…直接发".
_ADOPTED = re.compile(
    r"(?:这|就)?是我们的|作为(?:我们的)?(?:新)?(?:口号|广告语|宣传语|标语|标题|卖点)|当(?:作|成)?(?:口号|广告语|宣传语|标语)"
    r"|用作|直接发|照发|照用|\b(?:as\s+our|our\s+new|is\s+our|we(?:'ll|\s+will)\s+use\s+it|keep\s+it)\b"
    r"|一点不假|一点都不假|说得对|直播间见|\bwe\s+agree\b(?!\s+(?:that|it['’]?s|this\s+is))|\bsay\s+the\s+same\b|\blet['’]s\s+(?:put|use)\s+(?:it|that|this)\b|\bit\s+stays\b|没说错|名副其实|不是吹的|只有我们|我们敢|还在等什么|还等什么|\bwhat\s+are\s+you\s+waiting\s+for\b"
    r"|^的?是(?:我们|咱)"
    # a call to act on it: the words are forwarded as our advertising
    r"|(?:您|你|大家)?可以看看|欢迎(?:选购|下单|咨询|体验|抢购)|赶紧|快来|马上下单|\b(?:try\s+it|buy\s+(?:it|now)|order\s+now"
    r"|sign\s+up|get\s+yours|shop\s+now|book\s+(?:a|your)\s+demo)\b",
    re.IGNORECASE,
)
# A list of banned words, quoted or not: "违禁词清单：最、第一、唯一……", "banned words: best, #1".
_BANNED_LIST = re.compile(
    r"(?:(?:违禁词|禁用词|敏感词|极限词|绝对化(?:用语|词)|禁用语|禁语|banned\s+(?:words|terms|phrases|list)|blacklist"
    r"|prohibited\s+(?:words|terms|phrases|claims))[^:：。，,\n]{0,20}"
    r"|(?:以下|下列)\s*(?:词语|词汇|用语|字眼|词|words|phrases|terms)[^:：。，,\n]{0,16}?(?:禁止|不得|不能|不可|避免|禁用|慎用)[^:：。，,\n]{0,10}"
    r"|the\s+following\s+(?:words|phrases|terms|claims)\s+(?:are|is)\s+(?:prohibited|banned|not\s+allowed|off-limits)[^:：。\n]{0,30})[:：]\s*"
    # the list itself: two or more short items (最、第一、唯一 / best, #1), not the sentence after it
    r"(?:(?:[^、，,。.;；!?！？\n]|\.(?=\S)){1,16}[、，,/]\s*)+(?:[^、，,。.;；!?！？\n]|\.(?=\S)){1,16}",
    re.IGNORECASE,
)
# Just before the quote: "原稿保留“…”", "新版定为：“…”", "went with '…'".
_BREAK = re.compile(r"[，,；;。！!？?、\n]|\d\.")  # between a keep-word and its quote: then it keeps something else
_HOW_TO_ANSWER = re.compile(r"点(?:样)?(?:explain|解释|回|答|应对|处理)|要不要[^，,。？?]{0,6}?(?:回应|举报|投诉)"
                            r"|(?i:report)\s*一下|需不需要回应|怎么回|咋回|怎么看|怎么办|我们为什么|为啥我们|如何回[应复答]|怎么解释|怎么应对|怎么说比较"
                            r"|\bhow\s+(?:should|do|can|would)\s+(?:we|i)\s+(?:respond|answer|reply|handle|push\s+back)|\bhow\s+to\s+(?:reply|respond|answer)\b"
                            r"|\bshould\s+(?:i|we)\s+(?:just\s+)?(?:answer|reply|respond)\b|\bcan\s+i\s+(?:reply|respond|answer|thank"
                            r"|forward\s+(?:this|it)\s+to\s+(?:the\s+|our\s+|my\s+)?(?:regional\s+)?(?:VP|boss|manager|team|director|head))\b",
                            re.IGNORECASE)
_KEPT = re.compile(r"保留|沿用|照用|定为|改为|改成|换成|定成"
                   r"|\b(?:went|go|going)\s+with|\bswitched\s+to|\bchanged\s+(?:it\s+)?to", re.IGNORECASE)
_ASKING = re.compile(r"能不能|可不可以|能否|可否|能用吗|可以用吗|可以吗|行吗|行不行|合规吗|违规吗|算不算|会不会"
                     r"|(?<!讨论)是否"
                     r"|有没有问题|有问题吗|\b(?:can|could|may)\s+we\b|\bis\s+it\s+(?:ok|okay|fine|allowed)\b|\bwhether\b",
                     re.IGNORECASE)


# A speaker tag of a transcript or chat log: "customer: …", "客户：…", "rep: …", "销售：…".
_TAG = re.compile(
    r"(?:^|(?<=[\s。！？!?.，,；;)）\]】]))(?<!dear\s)(?<!hi\s)(?<!hello\s)(?<!尊敬的)(?<!亲爱的)"
    r"(?:(?P<them>(?:customer|client)(?!\s+(?:success|support|services?|care|experience|partner|team|ops|relations|manager)\b)"
    r"(?-i:\s+[A-Z][a-z]{1,10})?|buyer|prospect|caller"
    r"|(?:客户|顾客|买家|客人)\s*(?!成功|服务|支持|经理)(?:[A-Za-z]{2,10}|[\u4e00-\u9fff]{1,2}(?:姐|哥|总|经理|老师|先生|女士))?|家长|患者|访客"
    r"|(?<![汇副老])[王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石贾韦夏邱方侯邹熊孟秦白江薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严武莫孔向汤]总)"
    r"|(?P<us>rep|sales|agent|salesperson|advisor|销售|顾问|客服|坐席|我|业务员|(?:(?<=^)|(?<=\n))(?-i:Me)))\s*(?:[(（][^)）\n]{1,20}[)）])?\s*[:：]",
    re.IGNORECASE,
)
_OURS_IN_TAG = re.compile(r"我司|我们|本公司|\bour\b", re.IGNORECASE)  # "李总（我司销售总监）：" is one of ours
# Where a turn ends at the latest: a new line, a field of a note or form ("话术：", "Next steps:"), a speaker we cannot
# place ("张经理补充：", "Tom:").
_TURN_END = re.compile(
    r"\n|(?:话术|说明|备注|跟进记录|跟进|下一步|需求|阶段|补充|结论|方案|报价|(?i:pitch|next\s+steps?|notes?|summary|action\s+items?"
    r"|follow[- ]up|recap))\s*[:：]|[\u4e00-\u9fff]{1,4}(?:补充|回复|经理|总|老师|主管)\s*[:：]"
    r"|(?<=\s)[A-Z][a-z]{1,12}\s*[:：]")


# The first version of a before/after pair ("原稿：… 修改后：…", "Before: … After: …"): replaced, so not sent.
_BEFORE_LINE = re.compile(r"^[ \t]*(?:原稿|修改前|改前|旧版|(?i:before|original|old\s+version))\s*[:：][^\n]*",
                          re.MULTILINE)
# (an "after" that keeps the first version or only adds to it does not replace it)
_AFTER_LINE = re.compile(r"^[ \t]*(?:修改后|改后|新版|(?i:after|revised|edit(?:ed)?|new\s+version))\s*[:：]"
                         r"(?![^\n]*(?:不变|照发|保留|加上|加一句|(?i:same|unchanged|keep|add|as\s+is|only|typo)))",
                         re.MULTILINE)
# Someone else's earlier message quoted in a reply ("> On Thu, Jenna wrote: …", "> 张总写道：…"), not our own
# ("> I wrote").
_QUOTED_REPLY = re.compile(r"^>[ \t]*+(?!(?:On\s+[^\n]{0,60}?,\s*)?(?:I|we|our\s+\w+|sales(?:\s+team)?)\s*wrote"
                           r"|(?:我|我们|销售)[^\n]{0,8}?写道)"
                           r"[^\n]{0,60}?(?:wrote|写道)\s*[:：][^\n]*(?:\n>[^\n]*)*", re.MULTILINE | re.IGNORECASE)
# A forwarded item from someone else (news, a competitor's ad, a customer's post) and a competitor table's rows.
_FORWARDED = re.compile(r"^[ \t]*(?:转发|(?i:fwd?|forwarded))\b[^\n]{0,20}?(?:新闻|竞品|友商"
                        r"|客户(?:的)?(?:朋友圈|评价|反馈|好评|截图|留言|消息)"
                        r"|(?i:from\s+(?:a\s+|the\s+|our\s+)?(?:customer|client|competitor|rival)|competitor|rival|news"
                        r"|\w+Co['’]s\s+site))[^\n]*", re.MULTILINE)
_RIVAL_TABLE = re.compile(r"^[ \t]*(?:竞品|友商|对手|(?i:competitors?|rivals?))\s*[A-Za-z]?\s*\|[^\n]*"
                          r"(?:\n[^\n]*\|[^\n]*)+", re.MULTILINE)
_OURS_CELL = re.compile(r"(?:^|\|)\s*(?:我们|我司|我方|本公司|本店|(?i:us|we|ours|our\s+\w+))\s*(?:\||$)")
_QUIZ = re.compile(r"(?:哪些|哪个|哪几个)(?:说法|表述|用语|话)[^？?\n]{0,12}(?:不能|不可以|违规|不合规)"
                   r"[^？?\n]{0,10}[？?]\s*(?:(?:[A-Da-d][.、．:：)）][^\n]{0,30}?){2}[^\n]*"
                   r"|(?:[^、，,。\n]{1,10}、)+[^、，,。\n]{1,10}(?=[。\n]|$))")


def replaced_or_reported(text: str) -> list[tuple[int, int]]:
    """Lines that are not ours to send: the first version of a before/after pair, someone else's quoted reply,
    a forwarded item from a customer, a rival or the news, the rows of a competitor table, a quiz of banned
    phrases."""
    spans = [m.span() for m in _BEFORE_LINE.finditer(text) if _AFTER_LINE.search(text, m.end())]
    for pattern in (_QUOTED_REPLY, _FORWARDED, _QUIZ):
        spans += [m.span() for m in pattern.finditer(text)]
    for table in _RIVAL_TABLE.finditer(text):  # the rows of rivals; a table with a column of ours is a comparison
        header, *rows = table.group().split("\n")
        if _OURS_CELL.search(header):
            continue
        at = table.start() + len(header) + 1
        for row in rows:
            if not _OURS_CELL.search(row.split("|")[0] + "|"):
                spans.append((at, at + len(row)))
            at += len(row) + 1
    return spans


def their_turns(text: str) -> list[tuple[int, int]]:
    """(start, end) of each turn the other side speaks in a speaker-tagged dialogue ("customer: you're the best
    rep: thanks…"): their praise and their questions are theirs. Only in a dialogue, where our side is tagged
    too ("客户：华润集团" alone is a form field); a turn ends at the next tag, the end of its line or the next
    "label:" (a field of a note, a speaker we cannot place), whichever comes first."""
    tags = list(_TAG.finditer(text))
    if not any(t.group("us") for t in tags) or not any(t.group("them") for t in tags):
        return []
    turns = []
    for t, after in zip(tags, [*tags[1:], None], strict=True):
        if t.group("them") and not _OURS_IN_TAG.search(t.group()):
            end = after.start() if after else len(text)
            stop = _TURN_END.search(text, t.end(), end)
            turns.append((t.end(), stop.start() if stop else end))
    return turns


def mentions(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quoted stretch that is talked about rather than said; not in a sentence that asks
    whether the phrase may be used ("客户想写“业内首选”，能用吗？"): the finding is the answer to that question.
    A list of banned words after its title and a colon counts whole, quoted or not."""
    ends = [m.end() for m in _END.finditer(text)]
    out = []
    for m in _QUOTES.finditer(text):
        start, end = _sentence(ends, m.start(), m.end(), len(text))
        said = _talked_about(text, m.start(), m.end(), start, end)
        # (someone else's words may be a question of theirs: "Customer asked me: 'Is this the best plan?'")
        sentence = text[start:m.start()] + text[m.end():end] if said == "party" else text[start:end]
        if said and not _asks(sentence, third_party=said == "party"):
            out.append(m.span())
    lists = [m.span() for m in (*_BANNED_LIST.finditer(text), *_AVOID_LIST.finditer(text))]
    return out + lists + their_turns(text) + replaced_or_reported(text)  # may overlap: the checker merges them


def _sentence(ends: list[int], a: int, b: int, n: int) -> tuple[int, int]:
    """The sentence around text[a:b], at most SPAN characters either side (a text with no full stops is judged
    in windows, and each quote costs the same whatever the length of the text)."""
    i = bisect_right(ends, a)
    j = bisect_left(ends, b + 1)
    return max(ends[i - 1] if i else 0, a - SPAN), min(ends[j] if j < len(ends) else n, b + SPAN)


def _talked_about(text: str, a: int, b: int, start: int, end: int) -> Literal["", "cue", "party"]:
    """Why text[a:b] is talked about: a removal or discussion cue ("cue"), someone else's words ("party"), or not
    ("")."""
    after = text[b:min(end, b + AFTER + 12)]
    if _ADOPTED.search(after[:AFTER]) or any(not _BREAK.search(text, k.end(), a)
                                             for k in _KEPT.finditer(text, max(start, a - 14), a)):
        return ""
    lo = max(start, a - BEFORE - 20)
    # A cue speaks of the quote right after it: "客户说“最好”，我们就是“全网最低价”" excuses only 最好.
    # (up to the opening quote mark: a cue may look ahead at it, "cut 'unbeatable'")
    if any(_right_before(text, c, a) for c in _CUE_BEFORE.finditer(text, lo, a + 1)) \
            or _CUE_ADJACENT.search(text[max(start, a - 20):a]):
        return "cue"
    if _ASKED_BY_THEM.search(text[max(start, a - 24):a]):
        return "party"
    if any(_right_before(text, c, a) and _speaker(text, c, start) and not _ours_between(text, c, a)
           for c in _THIRD_PARTY.finditer(text, lo, a)):
        return "party"
    closed = a + len(_LIST_TAIL.sub("", text[a:b]))  # the last closing quote, without a list's trailing comma
    if _CUE_NEAR.match(text, closed, min(end, closed + 12)):
        return "cue"
    cue = _CUE_AFTER.search(after)
    return "cue" if cue is not None and cue.start() <= AFTER else ""


def _right_before(text: str, cue: re.Match[str], a: int) -> bool:
    return cue.end() >= a - BEFORE and _QUOTES.search(text, cue.end(), a) is None


def _speaker(text: str, m: re.Match[str], sentence_start: int) -> bool:
    """The third party named by `m` says the words: nobody of ours stands before it in its clause or between it
    and the verb."""
    zh = m.group("who") is not None
    who = m.start("who" if zh else "who_en")
    clause = max((c.end() for c in _CLAUSE_END.finditer(text, sentence_start, who)), default=sentence_start)
    before, mid = (_OURS_BEFORE_ZH, _OURS_MID_ZH) if zh else (_OURS_BEFORE_EN, _OURS_MID_EN)
    ahead = text[clause:who]
    if not zh and re.match(r"(?:competitor|rival)s?['’]", text[who:who + 14], re.IGNORECASE):
        ahead = re.sub(r"\bour\s+$", "", ahead, flags=re.IGNORECASE)  # "our rival's billboard says '…'" is still theirs
    if zh and _TO_THEM.search(m.group("mid")):
        return False  # "见到客人就同佢哋讲「…」": we speak to them
    if not zh and _TOLD_EN.search(m.group("mid_en")):
        return False  # "Distributors can pitch it as '…'", "Clients who used our platform saw '…'"
    return not before.search(ahead) and not mid.search(m.group("mid" if zh else "mid_en"))


def _ours_between(text: str, m: re.Match[str], a: int) -> bool:
    """One of ours speaks between the party's verb and the quote: "达人说得对，我们就是“全网最低价”". Us as the
    object of their words ("博主说我们是“…”", "有KOL话我哋系「…」", "the reviewer said we're 'the best'") is still
    them speaking."""
    zh = m.group("who") is not None
    mid, about_us = (_OURS_MID_ZH, _ABOUT_US_ZH) if zh else (_OURS_MID_EN, _ABOUT_US_EN)
    start = m.end()
    # (not in a script for us: "见到客户就说我们是“…”", "遇到客户一律讲"; English modals never reach here, see _speaker)
    told = zh and (_TOLD_ZH.search(m.group("mid")) or _TOLD_AHEAD_ZH.search(text[max(0, m.start() - 14):m.start()]))
    if not told and (lead := about_us.match(text, start, a)) is not None:
        start = lead.end()
    return mid.search(text, start, a) is not None


def _asks(sentence: str, third_party: bool = False) -> bool:
    """Whether the sentence asks if the phrase may be used. A question how to answer someone else's words
    ("竞品说他们“遥遥领先”，咋回比较好？") does not; "老客户都说“全网最低价”，您还在等什么？" does."""
    if third_party and _HOW_TO_ANSWER.search(sentence):
        return bool(_ASKING.search(sentence))
    return sentence.rstrip().endswith(("？", "?")) or bool(_ASKING.search(sentence))

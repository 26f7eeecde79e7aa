/**
 * What Shandong's providers open, by domain: dataset names, fields and update frequencies of the
 * kind found on 山东公共数据开放网, and the words applicants use when they ask for them.
 */

export type DomainKey =
  | 'police'
  | 'market'
  | 'transport'
  | 'health'
  | 'land'
  | 'environment'
  | 'labour'
  | 'housing'
  | 'education'
  | 'civil'
  | 'water'
  | 'agriculture'
  | 'weather';

export type Frequency = 'realtime' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly' | 'once';
export type ServiceMode = 'download' | 'api' | 'sandbox' | 'privacyComputing';

export interface DatasetTemplate {
  name: string;
  fields: readonly (readonly [string, string])[];
  frequency: Frequency;
  personal: boolean;
  /** Conditional data states its conditions (第七条). */
  conditions?: string;
  modes: readonly ServiceMode[];
}

export interface Domain {
  /** The domain as a reviewer says it: 公安, 市场监管, … */
  label: string;
  datasets: readonly DatasetTemplate[];
  /** Datasets an adjusted open list adds. */
  additions: readonly string[];
  /** Application services built on the domain's data. */
  services: readonly string[];
  scenarios: readonly string[];
  benefits: readonly string[];
  /** Data that is not open yet, and the items asked for. */
  wanted: readonly { name: string; items: readonly string[]; need: string }[];
}

const AUTH_ONLY = '仅向完成实名认证、签署《公共数据安全承诺书》并通过信用审查的利用主体开放，限于协议约定用途。';

export const DOMAINS: Record<DomainKey, Domain> = {
  police: {
    label: '公安',
    datasets: [
      {
        name: '机动车登记信息统计',
        fields: [['month', '统计月份'], ['vehicleType', '车辆类型'], ['useNature', '使用性质'], ['count', '登记数量']],
        frequency: 'monthly',
        personal: false,
        conditions: `${AUTH_ONLY}用于交通规划与出行研究。`,
        modes: ['download', 'api'],
      },
      {
        name: '驾驶人信息统计',
        fields: [['month', '统计月份'], ['licenseClass', '准驾车型'], ['ageGroup', '年龄段'], ['count', '人数']],
        frequency: 'monthly',
        personal: false,
        modes: ['download'],
      },
      {
        name: '交通违法高发路段信息',
        fields: [['roadName', '路段名称'], ['violationType', '违法类型'], ['count', '违法次数'], ['period', '统计周期']],
        frequency: 'quarterly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '户籍人口统计',
        fields: [['district', '区县'], ['year', '年度'], ['households', '户数'], ['population', '户籍人口数']],
        frequency: 'yearly',
        personal: false,
        modes: ['download'],
      },
      {
        name: '出入境证件受理点信息',
        fields: [['name', '受理点名称'], ['address', '地址'], ['phone', '咨询电话'], ['hours', '办公时间']],
        frequency: 'quarterly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '机动车驾驶人交通违法记录',
        fields: [['plateNo', '号牌号码'], ['ownerName', '所有人姓名'], ['idNumber', '身份证号'], ['violation', '违法行为'], ['time', '违法时间']],
        frequency: 'daily',
        personal: true,
        conditions: `${AUTH_ONLY}仅以隐私计算方式提供，原始数据不出域。`,
        modes: ['privacyComputing'],
      },
    ],
    additions: ['道路交通事故月度统计', '电动自行车登记信息统计', '互联网上网服务营业场所名录'],
    services: ['智慧交通出行分析平台', '车险精准定价模型', '城市交通拥堵指数服务', '二手车评估服务平台'],
    scenarios: [
      '按区县分析机动车保有量变化，为公交线网优化提供依据。',
      '结合路网流量数据预测早晚高峰拥堵，向市民推送出行建议。',
      '为保险机构提供车辆使用性质核验，降低骗保风险。',
      '分析新能源汽车增长趋势，辅助充电桩布点规划。',
    ],
    benefits: ['降低主城区高峰拥堵时长约 5%。', '车险理赔欺诈识别率提升约 20%。', '为交通管理部门提供决策参考。'],
    wanted: [
      { name: '公共停车场实时泊位数据', items: ['停车场编号', '停车场名称', '总泊位数', '空余泊位数', '更新时间'], need: '开发停车诱导小程序，引导市民就近停车。' },
      { name: '电动自行车上牌网点信息', items: ['网点名称', '地址', '办理时间', '联系电话'], need: '在便民服务平台展示上牌网点，减少群众跑腿。' },
    ],
  },
  market: {
    label: '市场监管',
    datasets: [
      {
        name: '企业登记注册信息',
        fields: [['creditCode', '统一社会信用代码'], ['name', '企业名称'], ['legalRep', '法定代表人'], ['regCapital', '注册资本'], ['establishDate', '成立日期'], ['address', '住所']],
        frequency: 'daily',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '食品经营许可信息',
        fields: [['licenseNo', '许可证编号'], ['operator', '经营者名称'], ['creditCode', '统一社会信用代码'], ['scope', '经营项目'], ['validTo', '有效期至']],
        frequency: 'daily',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '个体工商户登记信息',
        fields: [['creditCode', '统一社会信用代码'], ['name', '字号名称'], ['operatorName', '经营者姓名'], ['scope', '经营范围'], ['address', '经营场所']],
        frequency: 'daily',
        personal: true,
        conditions: `${AUTH_ONLY}经营者姓名脱敏后提供。`,
        modes: ['api'],
      },
      {
        name: '特种设备使用登记信息',
        fields: [['equipmentType', '设备类别'], ['registrationNo', '使用登记证编号'], ['user', '使用单位'], ['inspectionDate', '下次检验日期']],
        frequency: 'weekly',
        personal: false,
        conditions: `${AUTH_ONLY}用于设备安全监测与保险服务。`,
        modes: ['api'],
      },
      {
        name: '市场主体行政处罚信息',
        fields: [['decisionNo', '处罚决定书文号'], ['party', '当事人名称'], ['creditCode', '统一社会信用代码'], ['violation', '违法行为类型'], ['decisionDate', '处罚决定日期']],
        frequency: 'daily',
        personal: false,
        modes: ['download', 'api'],
      },
    ],
    additions: ['药品零售企业名录', '计量器具强制检定信息', '知识产权质押登记信息'],
    services: ['企业信用画像服务', '普惠金融风控平台', '商圈选址分析系统', '食品安全追溯平台'],
    scenarios: [
      '为银行小微企业贷款提供企业经营状态核验。',
      '分析各商圈新设市场主体数量，辅助连锁门店选址。',
      '在外卖平台展示商户食品经营许可，便于消费者查验。',
      '构建企业信用评分模型，服务政府采购资格审查。',
    ],
    benefits: ['小微企业贷款审批时间缩短约 30%。', '服务中小企业 2 万余家。', '提升消费者食品安全满意度。'],
    wanted: [
      { name: '企业年报社保缴纳人数', items: ['统一社会信用代码', '企业名称', '年报年度', '参保人数'], need: '用于普惠金融企业经营能力评估。' },
      { name: '网络交易平台经营者名录', items: ['平台名称', '经营者名称', '统一社会信用代码', '网店网址'], need: '建设网络交易合规监测服务。' },
    ],
  },
  transport: {
    label: '交通运输',
    datasets: [
      {
        name: '公交线路及站点信息',
        fields: [['lineNo', '线路编号'], ['lineName', '线路名称'], ['stationName', '站点名称'], ['sequence', '站序'], ['longitude', '经度'], ['latitude', '纬度']],
        frequency: 'monthly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '公交车辆实时位置',
        fields: [['lineNo', '线路编号'], ['vehicleNo', '车辆编号'], ['longitude', '经度'], ['latitude', '纬度'], ['time', '定位时间']],
        frequency: 'realtime',
        personal: false,
        conditions: `${AUTH_ONLY}用于公众出行信息服务，不得转售。`,
        modes: ['api'],
      },
      {
        name: '道路运输经营许可信息',
        fields: [['licenseNo', '许可证号'], ['operator', '业户名称'], ['scope', '经营范围'], ['validTo', '有效期至']],
        frequency: 'weekly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '出租汽车企业名录',
        fields: [['name', '企业名称'], ['creditCode', '统一社会信用代码'], ['vehicles', '车辆数'], ['phone', '服务电话']],
        frequency: 'quarterly',
        personal: false,
        modes: ['download'],
      },
      {
        name: '网约车驾驶员从业资格信息',
        fields: [['certNo', '从业资格证号'], ['driverName', '驾驶员姓名'], ['idNumber', '身份证号'], ['platform', '所属平台'], ['validTo', '有效期至']],
        frequency: 'daily',
        personal: true,
        conditions: `${AUTH_ONLY}仅提供核验接口，返回是否持证。`,
        modes: ['api'],
      },
    ],
    additions: ['城市轨道交通客流统计', '充电设施布局信息', '港口集装箱吞吐量统计'],
    services: ['实时公交查询小程序', '物流运力调度平台', '出行即服务（MaaS）平台', '网约车合规核验服务'],
    scenarios: [
      '在出行小程序中提供公交到站时间预测。',
      '为物流企业核验承运车辆和驾驶员资质。',
      '整合公交、地铁与共享单车数据，提供一站式出行规划。',
      '分析公交站点覆盖率，为新建小区配套公交提供建议。',
    ],
    benefits: ['日均服务乘客查询 30 万人次。', '候车时间平均缩短 3 分钟。', '物流车辆空驶率降低约 8%。'],
    wanted: [
      { name: '公交 IC 卡刷卡客流统计', items: ['线路编号', '日期', '时段', '刷卡人次'], need: '研究公交客流时空分布，优化发车间隔。' },
      { name: '货运车辆北斗定位数据', items: ['车牌号（脱敏）', '时间', '经度', '纬度', '速度'], need: '建设区域物流运行监测指数。' },
    ],
  },
  health: {
    label: '卫健',
    datasets: [
      {
        name: '医疗机构名录',
        fields: [['name', '机构名称'], ['level', '机构等级'], ['category', '机构类别'], ['address', '地址'], ['phone', '联系电话']],
        frequency: 'monthly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '医疗机构床位数统计',
        fields: [['institution', '机构名称'], ['year', '年度'], ['beds', '实有床位数'], ['usageRate', '病床使用率']],
        frequency: 'yearly',
        personal: false,
        modes: ['download'],
      },
      {
        name: '执业医师注册信息',
        fields: [['name', '医师姓名'], ['certNo', '执业证书编码'], ['institution', '执业机构'], ['specialty', '执业范围']],
        frequency: 'weekly',
        personal: true,
        conditions: `${AUTH_ONLY}用于互联网医疗平台医师资质核验。`,
        modes: ['api'],
      },
      {
        name: '预防接种门诊信息',
        fields: [['name', '门诊名称'], ['address', '地址'], ['vaccines', '可接种疫苗'], ['hours', '服务时间']],
        frequency: 'monthly',
        personal: false,
        modes: ['download', 'api'],
      },
    ],
    additions: ['家庭医生签约服务机构名录', '院前急救站点信息', '基层医疗卫生机构服务能力统计'],
    services: ['互联网医院医师核验服务', '就医导航小程序', '商业健康保险核保平台', '区域医疗资源分析系统'],
    scenarios: [
      '在就医导航小程序中展示附近医疗机构和接种门诊。',
      '互联网医院接诊前核验医师执业资格。',
      '分析区县医疗资源分布，辅助民营医院选址。',
    ],
    benefits: ['医师资质核验由人工 1 天缩短到实时。', '服务患者 50 万人次。', '为医疗资源规划提供数据支撑。'],
    wanted: [
      { name: '门诊慢特病定点医疗机构名单', items: ['机构名称', '病种', '地址', '联系电话'], need: '在医保服务小程序中为患者提供就近定点机构查询。' },
      { name: '二级以上医院号源余量', items: ['医院名称', '科室', '日期', '余号数'], need: '建设全市统一预约挂号引导服务。' },
    ],
  },
  land: {
    label: '自然资源',
    datasets: [
      {
        name: '国有建设用地供应信息',
        fields: [['parcelNo', '宗地编号'], ['location', '宗地位置'], ['area', '面积（平方米）'], ['use', '土地用途'], ['supplyMode', '供应方式'], ['price', '成交价（万元）']],
        frequency: 'monthly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '不动产登记业务量统计',
        fields: [['month', '统计月份'], ['businessType', '业务类型'], ['count', '办件量']],
        frequency: 'monthly',
        personal: false,
        modes: ['download'],
      },
      {
        name: '地质灾害隐患点信息',
        fields: [['pointNo', '隐患点编号'], ['type', '灾害类型'], ['location', '位置'], ['threatLevel', '险情等级']],
        frequency: 'yearly',
        personal: false,
        conditions: `${AUTH_ONLY}用于防灾减灾、保险精算研究。`,
        modes: ['download'],
      },
      {
        name: '基础测绘成果目录',
        fields: [['name', '成果名称'], ['scale', '比例尺'], ['year', '生产年度'], ['coverage', '覆盖范围']],
        frequency: 'yearly',
        personal: false,
        modes: ['download'],
      },
    ],
    additions: ['国土空间规划“一张图”公开版', '耕地保护目标责任统计', '采矿权出让信息'],
    services: ['土地市场分析平台', '房地产投资决策系统', '自然灾害风险评估服务'],
    scenarios: [
      '跟踪全市土地出让节奏，研判住宅用地供应趋势。',
      '结合地质灾害隐患点为农险提供风险分区。',
      '为开发企业提供地块周边规划与配套分析。',
    ],
    benefits: ['辅助 30 余家企业开展投资决策。', '灾害风险评估覆盖全市 90% 乡镇。'],
    wanted: [
      { name: '宗地规划条件', items: ['宗地编号', '容积率', '建筑密度', '绿地率', '限高'], need: '建设地块价值评估模型。' },
      { name: '不动产登记办理进度', items: ['受理编号', '业务类型', '当前环节', '办结时间'], need: '在购房服务平台提供办证进度查询。' },
    ],
  },
  environment: {
    label: '生态环境',
    datasets: [
      {
        name: '空气质量监测日报',
        fields: [['station', '监测站点'], ['date', '日期'], ['aqi', 'AQI'], ['pm25', 'PM2.5（μg/m³）'], ['pm10', 'PM10（μg/m³）'], ['primaryPollutant', '首要污染物']],
        frequency: 'daily',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '地表水水质监测信息',
        fields: [['section', '断面名称'], ['month', '月份'], ['waterClass', '水质类别'], ['cod', '化学需氧量']],
        frequency: 'monthly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '重点排污单位名录',
        fields: [['name', '单位名称'], ['creditCode', '统一社会信用代码'], ['category', '类别'], ['address', '地址']],
        frequency: 'yearly',
        personal: false,
        modes: ['download'],
      },
      {
        name: '重点排污单位自动监测数据',
        fields: [['unit', '单位名称'], ['outlet', '排放口'], ['pollutant', '污染物'], ['concentration', '浓度'], ['time', '监测时间']],
        frequency: 'realtime',
        personal: false,
        conditions: `${AUTH_ONLY}用于环境治理研究与绿色金融评估。`,
        modes: ['api', 'sandbox'],
      },
      {
        name: '建设项目环境影响评价审批信息',
        fields: [['project', '项目名称'], ['builder', '建设单位'], ['approvalNo', '批复文号'], ['approvalDate', '批复日期']],
        frequency: 'weekly',
        personal: false,
        modes: ['download', 'api'],
      },
    ],
    additions: ['噪声监测信息', '机动车排放检验机构名录', '碳排放重点单位名录'],
    services: ['空气质量预报小程序', '绿色信贷环境风险评估平台', '企业环保合规助手'],
    scenarios: [
      '为市民推送空气质量预报和户外运动建议。',
      '评估贷款企业的环境违法风险，支撑绿色信贷。',
      '帮助企业对照排放标准开展自查。',
    ],
    benefits: ['空气质量提醒服务用户 12 万人。', '绿色信贷环境风险识别覆盖 3 千余家企业。'],
    wanted: [
      { name: '餐饮油烟在线监测数据', items: ['点位名称', '监测时间', '油烟浓度', '净化器状态'], need: '开展餐饮油烟治理成效评估。' },
      { name: '扬尘在线监测数据', items: ['工地名称', '监测时间', 'PM10', '噪声'], need: '建设施工工地扬尘预警服务。' },
    ],
  },
  labour: {
    label: '人社',
    datasets: [
      {
        name: '就业见习基地名录',
        fields: [['name', '基地名称'], ['posts', '见习岗位数'], ['industry', '所属行业'], ['contact', '联系电话']],
        frequency: 'quarterly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '职业技能培训机构名录',
        fields: [['name', '机构名称'], ['programs', '培训项目'], ['address', '地址'], ['phone', '联系电话']],
        frequency: 'quarterly',
        personal: false,
        modes: ['download'],
      },
      {
        name: '社会保险参保情况统计',
        fields: [['month', '统计月份'], ['insuranceType', '险种'], ['insured', '参保人数']],
        frequency: 'monthly',
        personal: false,
        modes: ['download'],
      },
      {
        name: '企业社保缴纳状态',
        fields: [['creditCode', '统一社会信用代码'], ['month', '缴费月份'], ['status', '缴纳状态'], ['insured', '参保人数']],
        frequency: 'monthly',
        personal: false,
        conditions: `${AUTH_ONLY}用于金融机构授信审查，须经企业授权。`,
        modes: ['api', 'privacyComputing'],
      },
    ],
    additions: ['人力资源服务机构名录', '零工市场信息', '技能人才评价机构名录'],
    services: ['高校毕业生就业服务平台', '灵活用工撮合平台', '企业授信风控模型'],
    scenarios: [
      '为高校毕业生推荐附近的就业见习岗位。',
      '经企业授权核验社保缴纳人数，评估经营稳定性。',
      '分析各行业参保人数变化，发布区域就业景气指数。',
    ],
    benefits: ['帮助 5 千余名毕业生找到见习岗位。', '企业授信审批效率提升 40%。'],
    wanted: [
      { name: '零工市场岗位发布信息', items: ['岗位名称', '工种', '薪资', '工作地点', '发布时间'], need: '在社区零工小程序中聚合展示。' },
      { name: '技能等级证书核验', items: ['证书编号', '姓名', '职业（工种）', '等级'], need: '为用人单位提供技能证书真伪核验。' },
    ],
  },
  housing: {
    label: '住建',
    datasets: [
      {
        name: '商品房预售许可信息',
        fields: [['permitNo', '预售许可证号'], ['project', '项目名称'], ['developer', '开发企业'], ['units', '预售套数'], ['area', '预售面积'], ['issueDate', '发证日期']],
        frequency: 'daily',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '建筑业企业资质信息',
        fields: [['name', '企业名称'], ['creditCode', '统一社会信用代码'], ['qualification', '资质类别及等级'], ['validTo', '有效期至']],
        frequency: 'weekly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '物业服务企业名录',
        fields: [['name', '企业名称'], ['projects', '服务项目数'], ['phone', '联系电话']],
        frequency: 'quarterly',
        personal: false,
        modes: ['download'],
      },
      {
        name: '新建商品房网签备案统计',
        fields: [['month', '统计月份'], ['district', '区县'], ['units', '网签套数'], ['avgPrice', '成交均价']],
        frequency: 'monthly',
        personal: false,
        conditions: `${AUTH_ONLY}用于房地产市场研究，不得发布单项目成交价。`,
        modes: ['download', 'sandbox'],
      },
    ],
    additions: ['既有住宅加装电梯项目信息', '城镇老旧小区改造项目清单', '保障性租赁住房项目信息'],
    services: ['购房服务平台', '房地产市场监测系统', '建筑企业资质核验服务'],
    scenarios: [
      '在购房服务平台中展示楼盘预售许可，提示购房风险。',
      '分析新房成交走势，发布区域房地产市场报告。',
      '招投标前核验建筑企业资质。',
    ],
    benefits: ['购房者查询预售许可 20 万次。', '为住建部门市场监测提供补充分析。'],
    wanted: [
      { name: '二手房交易资金监管账户信息', items: ['监管账户', '开户银行', '项目名称'], need: '为二手房交易提供资金安全核验。' },
      { name: '住宅专项维修资金余额', items: ['小区名称', '楼栋', '余额', '更新时间'], need: '在物业服务平台中向业主公示。' },
    ],
  },
  education: {
    label: '教育',
    datasets: [
      {
        name: '中小学校名录',
        fields: [['name', '学校名称'], ['type', '办学类型'], ['address', '地址'], ['phone', '联系电话']],
        frequency: 'yearly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '义务教育学校招生划片范围',
        fields: [['school', '学校名称'], ['year', '招生年度'], ['area', '划片范围']],
        frequency: 'yearly',
        personal: false,
        modes: ['download'],
      },
      {
        name: '校外培训机构白名单',
        fields: [['name', '机构名称'], ['license', '办学许可证号'], ['programs', '培训项目'], ['address', '地址']],
        frequency: 'monthly',
        personal: false,
        modes: ['download', 'api'],
      },
    ],
    additions: ['普惠性幼儿园名录', '学校体育场地开放信息'],
    services: ['家校服务小程序', '教育资源地图'],
    scenarios: ['为家长提供学区与学校信息查询。', '在地图上标注校外培训机构白名单，提醒家长选择合规机构。'],
    benefits: ['服务家长 8 万余人。'],
    wanted: [{ name: '学校课后服务开设情况', items: ['学校名称', '服务项目', '时间', '收费标准'], need: '在家校服务平台向家长展示。' }],
  },
  civil: {
    label: '民政',
    datasets: [
      {
        name: '养老机构名录',
        fields: [['name', '机构名称'], ['beds', '床位数'], ['address', '地址'], ['phone', '联系电话']],
        frequency: 'quarterly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '社会组织登记信息',
        fields: [['name', '社会组织名称'], ['creditCode', '统一社会信用代码'], ['type', '类型'], ['registerDate', '登记日期']],
        frequency: 'weekly',
        personal: false,
        modes: ['download', 'api'],
      },
    ],
    additions: ['社区养老服务设施名录', '婚姻登记机关信息'],
    services: ['智慧养老服务平台'],
    scenarios: ['为老年人家属推荐附近有空余床位的养老机构。'],
    benefits: ['对接养老服务需求 1 万余次。'],
    wanted: [{ name: '养老机构空余床位实时数据', items: ['机构名称', '总床位', '空余床位', '更新时间'], need: '建设养老床位一键查询服务。' }],
  },
  water: {
    label: '水利',
    datasets: [
      {
        name: '大中型水库基本信息',
        fields: [['name', '水库名称'], ['capacity', '总库容'], ['river', '所在河流'], ['location', '位置']],
        frequency: 'yearly',
        personal: false,
        modes: ['download'],
      },
      {
        name: '河道水情实时信息',
        fields: [['station', '测站名称'], ['time', '时间'], ['waterLevel', '水位'], ['flow', '流量']],
        frequency: 'realtime',
        personal: false,
        conditions: `${AUTH_ONLY}用于防汛预警服务。`,
        modes: ['api'],
      },
    ],
    additions: ['河湖长制公示信息', '取水许可信息'],
    services: ['防汛预警服务平台'],
    scenarios: ['为沿河企业推送汛期水位预警。'],
    benefits: ['汛期预警覆盖 200 余家企业。'],
    wanted: [{ name: '山洪灾害监测预警数据', items: ['监测站', '时间', '雨量', '预警等级'], need: '建设农村地区山洪预警推送服务。' }],
  },
  agriculture: {
    label: '农业农村',
    datasets: [
      {
        name: '农民专业合作社名录',
        fields: [['name', '合作社名称'], ['creditCode', '统一社会信用代码'], ['industry', '主营产业'], ['members', '成员数']],
        frequency: 'quarterly',
        personal: false,
        modes: ['download', 'api'],
      },
      {
        name: '农产品质量安全检测信息',
        fields: [['product', '产品名称'], ['sampleDate', '抽检日期'], ['result', '检测结果'], ['origin', '产地']],
        frequency: 'monthly',
        personal: false,
        modes: ['download'],
      },
    ],
    additions: ['高标准农田建设项目信息', '农机购置补贴信息'],
    services: ['农产品溯源平台', '涉农信贷服务平台'],
    scenarios: ['为农产品电商提供产地与检测信息溯源。', '评估合作社经营情况，支持涉农贷款。'],
    benefits: ['带动合作社销售额增长约 10%。'],
    wanted: [{ name: '土地承包经营权流转信息', items: ['地块编号', '流转面积', '流转期限', '用途'], need: '支持农业经营主体融资服务。' }],
  },
  weather: {
    label: '气象',
    datasets: [
      {
        name: '地面气象观测数据',
        fields: [['station', '站点'], ['time', '观测时间'], ['temperature', '气温'], ['precipitation', '降水量'], ['wind', '风速']],
        frequency: 'realtime',
        personal: false,
        conditions: `${AUTH_ONLY}用于气象服务产品研发。`,
        modes: ['api'],
      },
      {
        name: '城镇天气预报',
        fields: [['city', '城镇'], ['date', '日期'], ['weather', '天气现象'], ['tempHigh', '最高气温'], ['tempLow', '最低气温']],
        frequency: 'daily',
        personal: false,
        modes: ['download', 'api'],
      },
    ],
    additions: ['农业气象灾害预警信息', '雷电监测数据'],
    services: ['农业气象服务平台', '光伏发电功率预测系统'],
    scenarios: ['结合气象观测数据预测光伏电站发电功率。', '为种植户推送霜冻、暴雨预警。'],
    benefits: ['光伏功率预测准确率提升 6 个百分点。'],
    wanted: [{ name: '雷达回波拼图数据', items: ['时间', '范围', '回波强度'], need: '开发短临降水预报服务。' }],
  },
};

/** The domain of a provider, from its organisation code's suffix (370100-gaj → police). */
const DOMAIN_OF_SUFFIX: Record<string, DomainKey> = {
  gaj: 'police',
  gat: 'police',
  scjgj: 'market',
  jtysj: 'transport',
  jtyst: 'transport',
  wsjkw: 'health',
  zrzyhghj: 'land',
  zrzyt: 'land',
  sthjj: 'environment',
  sthjt: 'environment',
  rsj: 'labour',
  rst: 'labour',
  zjj: 'housing',
  jyj: 'education',
  jyt: 'education',
  mzt: 'civil',
  slt: 'water',
  nynct: 'agriculture',
  qxj: 'weather',
};

export function domainOf(orgCode: string): DomainKey | undefined {
  return DOMAIN_OF_SUFFIX[orgCode.split('-')[1] ?? ''];
}

/** Surnames and given names of the kind found in Shandong, for staff and applicants. */
export const SURNAMES = ['王', '张', '李', '刘', '陈', '杨', '赵', '孙', '周', '吴', '徐', '马', '高', '郭', '于', '宋', '董', '韩', '曲', '孔', '丁', '姜', '崔', '邢', '隋', '鞠', '牟', '邵', '付', '田'];
export const GIVEN_NAMES = [
  '强', '敏', '静', '伟', '芳', '磊', '洋', '娜', '军', '丽', '涛', '霞', '鹏', '婷', '超', '燕', '浩', '雪',
  '建国', '志刚', '海燕', '文静', '晓东', '丽娟', '春雷', '玉兰', '明辉', '晓峰', '雅琪', '子涵', '振华', '红梅',
  '立新', '淑华', '国栋', '爱华', '俊杰', '思远', '梦瑶', '泽宇', '可欣', '宏伟', '庆丰', '秀英', '晨阳', '宁',
];

/** Words of company names: 青岛 + 海联 + 数据科技 + 有限公司. */
export const COMPANY_WORDS = [
  '海联', '泉城', '齐鲁', '智汇', '云图', '数联', '华信', '鲁通', '蓝海', '汇通', '恒信', '星辰', '金桥', '中科',
  '天衡', '浪潮', '海纳', '瀚海', '东岳', '琴岛', '黄河', '港城', '鸢都', '沂蒙', '聚源', '博远', '卓越', '信达',
  '联创', '启明', '正元', '开元', '远景', '九州', '泰和', '宏图', '明德', '同创', '海岳', '万象',
];
export const COMPANY_TRADES = [
  '数据科技', '信息技术', '智能交通科技', '健康科技', '软件', '大数据服务', '地理信息科技', '环境科技', '网络科技',
  '智慧城市科技', '金融信息服务', '物联网科技', '人工智能科技', '供应链管理', '征信服务',
];
export const ROADS = [
  '经十路', '舜耕路', '工业南路', '香港中路', '海尔路', '株洲路', '长江路', '胜利街', '东风东街', '沂蒙路',
  '北京路', '解放路', '滨海路', '人民路', '新华路', '泰山大街', '文化路', '金源路', '北园大街', '科航路',
];

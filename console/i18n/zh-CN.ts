import type { en } from './en';
import { zhCNErrors } from './zh-CN-errors';

type Words<T> = { [K in keyof T]: T[K] extends string ? string : T[K] extends Record<string, string> ? Record<string, string> : Words<T[K]> };

/** Simplified Chinese: the same keys as en.ts. */
export const zhCN: Words<typeof en> = {
  app: { title: '凭证中心控制台', loading: '正在打开控制台…', signOut: '退出登录', signedInAs: '{{name}} · {{role}}', language: '语言', screens: '页面', dismiss: '关闭' },
  nav: { credentials: '凭证', approvals: '审批', factories: '工厂', fleet: '设备总览', audit: '审计' },
  role: { platform: '平台', owner: '凭证管理员', factory: '工厂管理员', auditor: '审计员' },
  signIn: {
    title: '登录凭证中心', name: '账户名', password: '密码', totp: '验证器代码', totpHint: '验证器应用显示的 6 位数字',
    submit: '登录', expired: '会话已结束，请重新登录。', signedOut: '您已退出登录。',
    changeTitle: '设置您自己的密码', changeText: '您登录所用的密码只能使用一次：请设置自己的密码（至少 12 个字符，不能包含账户名）。',
    current: '一次性密码', newPassword: '新密码', newPassword2: '再次输入新密码', mismatch: '两次输入的新密码不一致，请重新输入。', change: '保存密码',
    totpTitle: '设置第二重验证', totpText: '用验证器应用扫描二维码（或输入密钥），然后输入它显示的 6 位代码。', secret: '密钥', totpQr: '验证器应用的二维码', confirm: '启用',
  },
  credentials: {
    title: '管理凭证', mine: '我的凭证', customers: '客户的凭证', search: '搜索', searchHint: '名称、订单号、PID 或编号',
    filterState: '状态', filterProduct: '产品', filterFactory: '工厂', filterDelivery: '交付方式', all: '全部', clear: '清除筛选',
    empty: '没有符合条件的凭证。', count: '共 {{count}} 个凭证', count_one: '共 {{count}} 个凭证', page: '第 {{page}} 页，共 {{pages}} 页', prev: '上一页', next: '下一页', pageSize: '每页行数',
    sortBy: '按{{column}}排序', refresh: '刷新',
    col: {
      name: '名称 / 订单号', product: '产品', purchased: '购买', free: '赠送', total: '总数', unused: '未使用', leased: '已分配', burned: '已烧录', spoiled: '已损坏', exported: '已导出',
      delivery: '交付方式', state: '状态', assignment: '分配', created: '创建时间', operation: '操作',
    },
    unassigned: '未分配', anyLine: '任意产线', anyStation: '任意工位', customer: '客户：{{name}}', unconfirmed: '尚未确认',
  },
  state: { valid: '有效', confirming_update: '更新确认中', being_paid: '待付款', updated: '已更新', list_generated: '清单已生成' },
  delivery: { credential: '凭证', credential_auth_only: '凭证（仅授权）', license_list: '授权清单' },
  action: {
    download: '下载凭证', split: '拆分数量', change_product: '更换产品', generate_resources: '生成第三方资源',
    update_details: '更新详情', update_history: '凭证更新详情', confirm_generate_download: '确认生成并下载', recall: '撤回', confirm: '确认',
  },
  updateState: { confirming_update: '审核中', being_paid: '等待付款', updated: '已更新', recalled: '已撤回', rejected: '已拒绝' },
  dialog: { close: '关闭', cancel: '取消', ok: '确定', back: '返回', working: '处理中…' },
  download: {
    title: '下载凭证', listTitle: '确认生成并下载', channel: '验证码发送方式', email: '电子邮件（{{to}}）', sms: '短信（{{to}}）', noContact: '您的账户没有已验证的邮箱或手机：请联系平台添加。',
    send: '发送验证码', sent: '6 位验证码已发送到 {{to}}，10 分钟内有效。', code: '验证码', format: '文件格式', csv: 'CSV', xlsx: 'Excel（XLSX）',
    listWarning: '生成授权清单后不可撤销：此凭证将不能再拆分或更换产品。', submit: '下载', done: '已将 {{count}} 个授权保存到 {{file}}。',
  },
  split: {
    title: '拆分数量', purchased: '购买的授权', free: '赠送的授权', available: '可用 {{count}} 个', newTotal: '新凭证包含 {{count}} 个授权。',
    stays: '保持不变的生产信息：固件密钥 {{firmwareKey}}，芯片 {{chip}}，工厂 {{factory}}。', submit: '拆分', done: '拆分完成：新凭证包含 {{count}} 个授权。',
  },
  change: {
    title: '更换产品', search: '搜索产品', searchHint: '名称或 PID', none: '没有符合条件的产品。', pick: '选择 {{name}}', current: '当前产品',
    confirmTitle: '确认更新信息', newProduct: '新产品', pid: 'PID', price: '每个授权的价格', features: '功能', delivery: '授权交付方式',
    difference: '差价', differenceText: '{{count}} 个购买的授权共 {{amount}}（赠送的授权不收费）', lowerText: '{{count}} 个购买的授权共便宜 {{amount}}（无需付款）', noDifference: '没有差价。',
    submit: '确定', done: '更换申请已提交审批。',
  },
  feature: { homekit: 'HomeKit', findmy: 'Find My', none: '无' },
  generate: {
    title: '生成第三方资源', text: '为此凭证的 {{count}} 个授权生成 {{kinds}} 资源？', start: '生成',
    progress: '已完成 {{done}} / {{total}}', done: '资源已生成。', failed: '任务失败：{{reason}}', resources: '资源', file: '下载资源（CSV）', saved: '已保存 {{file}}。',
    generated: '{{kind}}：{{licenses}} 个授权中的 {{count}} 个', noResources: '还没有资源。', license: '授权', kind: '类型', resource: '资源',
  },
  updates: {
    title: '更新详情', none: '此凭证没有更新申请。', from: '原', to: '新', licenses: '授权数', difference: '差价', state: '状态', created: '申请时间', recall: '撤回', recalled: '申请已撤回。',
    reason: '拒绝原因', rejectedOn: '拒绝时间',
    detailsTitle: '凭证更新详情', noneDone: '此凭证还没有已批准或已拒绝的产品更换。', oldProduct: '原产品', newProduct: '新产品',
  },
  assign: {
    button: '分配', title: '分配凭证', titleFor: '分配 {{name}}', text: '在哪里烧录它的授权：一个工厂，可选该工厂的一条产线，可选该产线的一个工位。工位在下次同步时收到。',
    factory: '工厂', line: '产线', station: '工位', submit: '分配', done: '{{name}} 已分配到 {{where}}。',
  },
  approvals: {
    title: '待审批的申请', none: '没有待审批的申请。', paymentsTitle: '待登记的付款', noPayments: '没有待登记的付款。',
    credential: '凭证', change: '更换', approve: '批准', approved: '已批准。', reference: '付款凭据号', record: '登记付款', paid: '付款已登记：凭证已更新。',
    reject: '拒绝', rejectTitle: '拒绝产品更换', rejectText: '凭证将恢复原状；申请更换的人会看到您填写的原因。',
    reason: '原因（必填）', reasonHint: '例如：新产品的订单尚未签署', rejectSubmit: '拒绝更换', rejected: '已拒绝：凭证恢复原状，可以继续使用。',
    confirmTitle: '待确认的客户凭证', noConfirm: '没有待确认的客户凭证。', confirmed: '已确认：该凭证可以使用了。',
  },
  factories: {
    title: '工厂、产线和工位', addFactory: '添加工厂', addLine: '添加产线', addStation: '添加工位', name: '名称', add: '添加', none: '还没有工厂。',
    station: '工位', enrolled: '已注册', notEnrolled: '未注册', revoked: '已吊销', code: '注册码', revoke: '吊销',
    contact: '下载联系方式', contactCol: '下载验证码发送到', noContact: '未设置', contactTitle: '{{station}} 的下载联系方式',
    contactText: '在此工位申请下载时，中心把一次性验证码发送到这个邮箱或手机。', channel: '验证码发送方式', email: '电子邮件', sms: '短信',
    emailAddress: '邮箱地址', phone: '手机号码', contactSave: '保存联系方式', contactSaved: '{{station}} 的下载验证码将发送到 {{to}}。',
    codeTitle: '{{station}} 的注册码', codeText: '在工位上输入（或扫描）此代码；只能使用一次，{{time}} 失效。', qr: '注册码的二维码', revokedDone: '{{station}} 已吊销：其令牌不再有效。',
  },
  fleet: {
    title: '设备总览', stations: '工位', groups: '凭证组', station: '工位', lastSync: '上次同步', never: '从未', outbox: '待上传', burnsHour: '最近一小时烧录', suspects: '可疑',
    group: '凭证组', left: '剩余授权', rate: '每小时烧录', runsDry: '预计用完', soon: '即将用完', noRate: '未在烧录', none: '暂无数据。',
  },
  audit: {
    title: '审计', actor: '操作者', credential: '凭证编号', kind: '类型', from: '起', to: '止', apply: '应用', export: '导出 CSV', none: '没有符合条件的记录。',
    seq: '#', at: '时间', address: '地址', outcome: '结果', details: '详情', exported: '已保存 {{file}}。',
  },
  auditKind: {
    enroll: '工位注册', pull: '工位领取授权', push: '工位上报结果', stationReconcile: '工位与中心核对保险库', stationRequestUpdate: '工位申请更换产品', stationRecallUpdate: '工位撤回更换申请', stationStartThirdPartyJob: '工位开始生成第三方资源',
    stationSendDownloadCode: '工位申请下载验证码', stationDownload: '工位下载授权', createProduct: '保存产品', createFactory: '添加工厂', createLine: '添加产线', createStation: '添加工位',
    createEnrollmentCode: '签发注册码', setDownloadContact: '设置下载联系人', revokeStation: '吊销工位', createCredential: '创建凭证', confirmCredential: '确认客户凭证', importLicenses: '导入授权',
    importLicenseFile: '导入授权文件', split: '拆分数量', assign: '分配凭证', setPid: '设置 PID', requestUpdate: '申请更换产品', approveUpdate: '批准更换产品', payUpdate: '登记付款', recallUpdate: '撤回更换申请', rejectUpdate: '拒绝更换产品', consoleResourcesFile: '下载资源文件',
    startThirdPartyJob: '开始生成第三方资源', sendDownloadCode: '发送下载验证码', download: '下载授权', login: '登录', logout: '退出登录', logoutAll: '全部退出登录', changePassword: '修改密码',
    setupTotp: '开始设置第二重验证', confirmTotp: '启用第二重验证', createApiKey: '创建 API 密钥', revokeApiKey: '吊销 API 密钥', createUser: '添加账户', disableUser: '停用账户', resetPassword: '重置密码',
    setRole: '更改角色', setStationPin: '设置工位 PIN', setStationAccess: '更改工位权限',
    setContact: '设置联系方式（已发送验证码）', verifyContact: '验证联系方式',
    stationTransferOut: '工位以转移包发出授权', stationTransferIn: '工位接收转移包',
  },
  notice: { saved: '已保存。' },
  errors: zhCNErrors,
};

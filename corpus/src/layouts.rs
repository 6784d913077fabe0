//! 13xx platform file rows (headerless TSV by position, research-domain §3.4–3.5).

/// 1301 西药中成药 (92 columns) from a drug workbook row (drug::HEADERS order).
pub fn row_1301(r: &[String]) -> Vec<String> {
    let g = |i: usize| r.get(i).cloned().unwrap_or_default();
    let mut o = vec![String::new(); 92];
    o[0] = g(0); // 医疗目录编码
    o[1] = g(3); // 药品商品名
    o[2] = g(0).get(..11).unwrap_or("").to_string(); // 通用名编号
    o[3] = g(20); // 药品通用名
    o[7] = g(2); // 注册名称
    o[8] = g(17); // 药监本位码
    o[10] = g(5); // 药品剂型名称
    o[13] = g(7); // 药品规格
    o[15] = g(4); // 注册剂型
    o[16] = g(6); // 注册规格
    o[30] = g(8); // 包装材质名称
    o[31] = format!("{}*{}{}/{}", g(7), g(9), g(10), g(11)); // 包装规格
    o[32] = g(9);
    o[41] = g(9); // 最小包装数量
    o[42] = g(11); // 最小包装单位
    o[43] = g(10); // 最小制剂单位
    o[51] = g(13); // 分包装厂家
    o[52] = g(0)
        .get(g(0).len().saturating_sub(5)..)
        .unwrap_or("")
        .to_string(); // 生产企业编号
    o[53] = g(14); // 生产企业名称
    o[56] = g(24); // 限制使用范围
    o[61] = g(15); // 批准文号
    o[64] = g(19); // 市场状态
    o[78] = g(26); // 有效标志
    o[82] = "20260101".into(); // 版本号
    o[83] = "corpus".into();
    o[90] = g(22); // 国家医保药品目录剂型
    o[91] = match g(21).as_str() {
        "甲" => "01".into(),
        "乙" => "02".into(),
        _ => String::new(),
    };
    o
}

/// 1306 医用耗材 (71 columns) from a consumable workbook row.
pub fn row_1306(r: &[String]) -> Vec<String> {
    let g = |i: usize| r.get(i).cloned().unwrap_or_default();
    let mut o = vec![String::new(); 71];
    o[0] = g(0);
    o[1] = g(9); // 耗材名称
    o[3] = g(0).get(..10).unwrap_or("").to_string(); // 医保通用名代码
    o[4] = g(4);
    o[5] = g(7); // 产品型号
    o[7] = g(6); // 规格
    o[8] = g(3); // 耗材分类
    o[9] = format!("{} {}", g(6), g(7)); // 规格型号
    o[11] = g(5); // 耗材材质
    o[17] = g(12); // 最小使用单位
    o[45] = g(10); // 注册备案人名称
    o[50] = g(8); // 注册备案号
    o[51] = g(9); // 注册备案产品名称
    o[59] = g(11); // 生产企业名称
    o[67] = g(14); // 有效标志
    o[69] = "20260101".into();
    o
}

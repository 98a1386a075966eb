"""Therapeutic classes as data: what notes say about drugs of each class, the rules that
assign a drug to its class, the staples of inpatient notes and their abbreviations."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DrugClass:
    """What the notes say about drugs of one class."""

    name: str
    reasons: tuple[str, ...]
    adverse_events: tuple[str, ...]
    strengths: tuple[str, ...]
    forms: tuple[str, ...]
    routes: tuple[str, ...]


def _class(name: str, reasons: str, ades: str, strengths: str, forms: str, routes: str) -> DrugClass:
    split = lambda text: tuple(part.strip() for part in text.split("|") if part.strip())  # noqa: E731
    return DrugClass(name, split(reasons), split(ades), split(strengths), split(forms), split(routes))


ORAL = "PO|PO|PO|p.o.|by mouth|orally|PO"
CLASSES: dict[str, DrugClass] = {
    c.name: c
    for c in (
        _class(
            "beta blocker",
            "hypertension|HTN|rate control|atrial fibrillation|afib|CAD",
            "bradycardia|hypotension|fatigue|heart block",
            "12.5 mg|25 mg|50 mg|100 mg|6.25 mg",
            "Tablet|tablet|tab|Tablet Sustained Release 24 hr",
            ORAL,
        ),
        _class(
            "ace inhibitor",
            "hypertension|HTN|CHF|heart failure|diabetic nephropathy|afterload reduction",
            "cough|angioedema|hyperkalemia|acute kidney injury|worsening renal function",
            "2.5 mg|5 mg|10 mg|20 mg|40 mg",
            "Tablet|tablet|tab",
            ORAL,
        ),
        _class(
            "angiotensin receptor blocker",
            "hypertension|HTN|CHF|proteinuria",
            "hyperkalemia|dizziness|acute kidney injury",
            "25 mg|50 mg|80 mg|160 mg|100 mg",
            "Tablet|tablet",
            ORAL,
        ),
        _class(
            "statin",
            "hyperlipidemia|high cholesterol|hypercholesterolemia|CAD|secondary prevention",
            "myalgias|muscle pain|elevated LFTs|transaminitis|rhabdomyolysis",
            "10 mg|20 mg|40 mg|80 mg",
            "Tablet|tablet",
            ORAL,
        ),
        _class(
            "antibiotic",
            "pneumonia|PNA|UTI|urinary tract infection|cellulitis|bacteremia|"
            "community acquired pneumonia|aspiration pneumonia|osteomyelitis|wound infection",
            "rash|diarrhea|C. difficile colitis|hives|diffuse maculopapular rash|acute interstitial nephritis",
            "1 gram|500 mg|250 mg|2 g|750 mg|1.5 g|875 mg",
            "Tablet|Capsule|Recon Soln|Piggyback|capsule|tablet|Solution",
            "IV|IV|intravenously|PO|PO|p.o.|IVPB",
        ),
        _class(
            "antiviral",
            "HIV|influenza|herpes zoster|shingles|hepatitis B|CMV viremia|HSV",
            "nausea|headache|rash|lactic acidosis|bone marrow suppression",
            "75 mg|150 mg|300 mg|400 mg|800 mg",
            "Tablet|Capsule|tablet",
            ORAL,
        ),
        _class(
            "antifungal",
            "candidemia|thrush|oral candidiasis|fungal infection|yeast infection",
            "elevated LFTs|QT prolongation|hepatotoxicity",
            "100 mg|200 mg|400 mg|50 mg",
            "Tablet|Suspension|Capsule",
            ORAL + "|IV",
        ),
        _class(
            "acid suppressant",
            "GERD|reflux|GI prophylaxis|gastritis|dyspepsia|stress ulcer prophylaxis",
            "diarrhea|headache|thrombocytopenia",
            "20 mg|40 mg",
            "Tablet, Delayed Release (E.C.)|Capsule, Delayed Release(E.C.)|tablet|capsule",
            ORAL + "|IV",
        ),
        _class(
            "benzodiazepine",
            "anxiety|insomnia|alcohol withdrawal|agitation|seizure|panic attacks",
            "oversedation|confusion|delirium|somnolence|respiratory depression",
            "0.5 mg|1 mg|2 mg|5 mg",
            "Tablet|tablet",
            ORAL + "|IV|SL",
        ),
        _class(
            "calcium channel blocker",
            "hypertension|HTN|rate control|atrial fibrillation|angina",
            "lower extremity edema|ankle swelling|flushing|hypotension|bradycardia",
            "5 mg|10 mg|2.5 mg|30 mg|120 mg",
            "Tablet|tablet|Capsule, Sustained Release",
            ORAL,
        ),
        _class(
            "triptan",
            "migraine|migraine headache|headache",
            "chest tightness|dizziness",
            "25 mg|50 mg|100 mg",
            "Tablet|tablet",
            ORAL,
        ),
        _class(
            "diabetes",
            "type 2 diabetes|diabetes mellitus|DM2|DM|hyperglycemia|diabetes",
            "hypoglycemia|GI upset|diarrhea|lactic acidosis",
            "500 mg|850 mg|1000 mg|5 mg|100 mg|10 mg",
            "Tablet|tablet|Tablet, ER",
            ORAL,
        ),
        _class(
            "insulin",
            "type 2 diabetes|diabetes mellitus|DM2|hyperglycemia|type 1 diabetes|DKA",
            "hypoglycemia|hypoglycemic episode",
            "100 unit/mL|100 units/mL",
            "Solution|Insulin Pen|solution|pen",
            "SC|subcutaneously|SQ|subcut|IV",
        ),
        _class(
            "anticoagulant",
            "DVT prophylaxis|atrial fibrillation|pulmonary embolism|PE|DVT|mechanical valve",
            "GI bleed|bleeding|hematuria|epistaxis|thrombocytopenia|supratherapeutic INR|retroperitoneal bleed|melena",
            "5 mg|2.5 mg|40 mg|5,000 unit/mL|1 mg|80 mg|3 mg",
            "Tablet|Syringe|tablet|Solution",
            "PO|SC|subcutaneously|IV|PO",
        ),
        _class(
            "antiplatelet",
            "CAD|coronary artery disease|stroke prevention|cardioprotection|s/p stent|NSTEMI",
            "GI bleed|bleeding|bruising|epistaxis",
            "81 mg|325 mg|75 mg",
            "Tablet, Chewable|Tablet, Delayed Release (E.C.)|Tablet|tablet",
            ORAL,
        ),
        _class(
            "corticosteroid",
            "COPD exacerbation|asthma flare|gout flare|inflammation|adrenal insufficiency|cerebral edema",
            "hyperglycemia|insomnia|steroid-induced psychosis|mood changes|fluid retention",
            "5 mg|10 mg|20 mg|40 mg|60 mg|4 mg",
            "Tablet|tablet|Solution",
            ORAL + "|IV",
        ),
        _class(
            "diuretic",
            "CHF|volume overload|edema|ascites|hypertension|fluid overload|pulmonary edema",
            "hypokalemia|hyponatremia|acute kidney injury|dehydration|hypotension|gout flare",
            "20 mg|40 mg|80 mg|12.5 mg|25 mg",
            "Tablet|tablet",
            ORAL + "|IV|IV",
        ),
        _class(
            "antidepressant",
            "depression|anxiety|depressed mood|major depressive disorder|insomnia",
            "hyponatremia|serotonin syndrome|nausea|sexual dysfunction",
            "10 mg|20 mg|50 mg|100 mg|25 mg",
            "Tablet|tablet|Capsule",
            ORAL,
        ),
        _class(
            "opioid",
            "pain|post-operative pain|back pain|chronic pain|breakthrough pain|severe pain",
            "constipation|respiratory depression|oversedation|altered mental status|pruritus|nausea",
            "5 mg|2 mg|10 mg|0.5 mg|25 mcg/hr|15 mg|50 mg",
            "Tablet|tablet|Patch 72 hr|Solution|Syringe",
            ORAL + "|IV|transdermal|IV",
        ),
        _class(
            "analgesic",
            "pain|fever|headache|mild pain|arthritis pain",
            "elevated LFTs|transaminitis|GI upset",
            "325 mg|500 mg|650 mg|400 mg|600 mg",
            "Tablet|tablet|Capsule|Suppository",
            ORAL + "|PR",
        ),
        _class(
            "laxative",
            "constipation|bowel regimen|hepatic encephalopathy|opioid-induced constipation",
            "diarrhea|abdominal cramping|bloating",
            "100 mg|8.6 mg|10 mg|17 gram|10 gram/15 mL|5 mg",
            "Capsule|Tablet|Powder in Packet|Syrup|tablet|Suppository",
            ORAL + "|PR",
        ),
        _class(
            "bronchodilator",
            "wheezing|COPD|asthma|shortness of breath|SOB|bronchospasm",
            "tachycardia|tremor|palpitations",
            "90 mcg/Actuation|0.083 %|0.5 mg/2.5 mL|18 mcg|0.02 %",
            "Inhaler|HFA Aerosol Inhaler|Solution for Nebulization|puffs|nebulizer|Capsule, w/Inhalation Device",
            "inhaled|INH|nebulized|Inhalation|inhalation",
        ),
        _class(
            "antipsychotic",
            "agitation|delirium|schizophrenia|bipolar disorder|psychosis|nausea",
            "QT prolongation|oversedation|extrapyramidal symptoms|dystonia|hypotension",
            "0.5 mg|1 mg|2 mg|5 mg|25 mg|50 mg",
            "Tablet|tablet|Solution",
            ORAL + "|IV|IM",
        ),
        _class(
            "antiemetic",
            "nausea|nausea/vomiting|N/V|emesis|post-operative nausea",
            "QT prolongation|constipation|headache|dystonic reaction",
            "4 mg|8 mg|10 mg|25 mg",
            "Tablet|Tablet, Rapid Dissolve|tablet|Solution",
            ORAL + "|IV|IV",
        ),
        _class(
            "electrolyte",
            "hypokalemia|hypomagnesemia|low potassium|low magnesium|hypocalcemia|repletion|hypophosphatemia",
            "hyperkalemia|diarrhea|GI upset",
            "20 mEq|40 mEq|400 mg|10 mEq|500 mg|2 gram",
            "Tablet Sustained Release|Packet|Tablet|tablet|Powder",
            ORAL + "|IV",
        ),
        _class(
            "thyroid",
            "hypothyroidism|hypothyroid|thyroid replacement",
            "palpitations|tachycardia|atrial fibrillation",
            "50 mcg|75 mcg|88 mcg|100 mcg|112 mcg|125 mcg",
            "Tablet|tablet",
            ORAL,
        ),
        _class(
            "anticonvulsant",
            "seizures|seizure prophylaxis|neuropathy|neuropathic pain|epilepsy|seizure disorder",
            "somnolence|dizziness|ataxia|rash|hyponatremia",
            "100 mg|300 mg|500 mg|250 mg|750 mg",
            "Capsule|Tablet|tablet|Solution",
            ORAL + "|IV",
        ),
        _class(
            "antibody",
            "rheumatoid arthritis|Crohn's disease|psoriasis|lymphoma|multiple myeloma|ulcerative colitis",
            "infusion reaction|neutropenia|infection|rash",
            "40 mg|100 mg|400 mg|10 mg/kg|5 mg/kg",
            "Syringe|Vial|Solution",
            "IV|SC|subcutaneously|IV infusion",
        ),
        _class(
            "kinase inhibitor",
            "CML|lung cancer|renal cell carcinoma|breast cancer|GIST",
            "diarrhea|rash|hepatotoxicity|QT prolongation|hand-foot syndrome",
            "100 mg|400 mg|50 mg|150 mg",
            "Tablet|tablet|Capsule",
            ORAL,
        ),
        _class(
            "urologic",
            "BPH|urinary retention|overactive bladder|benign prostatic hypertrophy",
            "orthostatic hypotension|dizziness|urinary retention",
            "0.4 mg|5 mg|10 mg|4 mg",
            "Capsule|Capsule, Ext Release 24 hr|Tablet",
            ORAL,
        ),
        _class(
            "other",
            "prophylaxis|symptom control|supplementation|pain|nausea|itching|insomnia",
            "rash|nausea|hives|dizziness|pruritus|headache",
            "5 mg|10 mg|25 mg|50 mg|100 mg|1 mg|250 mg",
            "Tablet|tablet|Capsule|capsule|Solution",
            ORAL + "|IV",
        ),
    )
}

#: Class rules, first match wins: (class, "suffix:..." / "prefix:..." / "name:..." patterns).
CLASS_RULES: tuple[tuple[str, str], ...] = (
    ("antiplatelet", "name:aspirin|name:clopidogrel|name:prasugrel|name:ticagrelor|name:dipyridamole"),
    ("anticoagulant", "name:heparin|name:enoxaparin|name:warfarin|suffix:xaban|suffix:gatran|suffix:parin"),
    ("insulin", "prefix:insulin"),
    ("analgesic", "name:acetaminophen|name:ibuprofen|name:naproxen|name:ketorolac|name:celecoxib|name:meloxicam"),
    ("laxative", "name:docusate|name:sennosides|name:bisacodyl|name:lactulose|name:polyethylene glycol|name:senna"),
    (
        "electrolyte",
        "prefix:potassium|prefix:magnesium|prefix:calcium|prefix:sodium bicarbonate|prefix:ferrous|"
        "name:folic acid|prefix:phosph",
    ),
    ("opioid", "name:morphine|name:fentanyl|name:tramadol|name:methadone|suffix:codone|suffix:morphone"),
    ("thyroid", "prefix:levothyrox|name:liothyronine"),
    ("bronchodilator", "name:albuterol|name:ipratropium|name:tiotropium|suffix:terol"),
    ("antipsychotic", "name:haloperidol|name:quetiapine|name:olanzapine|name:risperidone|suffix:piprazole"),
    (
        "anticonvulsant",
        "name:gabapentin|name:pregabalin|name:levetiracetam|name:phenytoin|name:valproic acid|"
        "name:lamotrigine|name:carbamazepine",
    ),
    (
        "diabetes",
        "name:metformin|suffix:gliptin|suffix:glitazone|suffix:gliflozin|suffix:glinide|prefix:glipi|"
        "prefix:glyb|prefix:glim",
    ),
    ("urologic", "suffix:osin|name:finasteride|name:oxybutynin|name:tolterodine"),
    ("acid suppressant", "suffix:prazole|suffix:tidine"),
    ("beta blocker", "suffix:olol|suffix:alol|name:carvedilol"),
    ("ace inhibitor", "suffix:pril"),
    ("angiotensin receptor blocker", "suffix:sartan"),
    ("statin", "suffix:statin"),
    ("calcium channel blocker", "suffix:dipine|name:diltiazem|name:verapamil"),
    (
        "diuretic",
        "suffix:semide|suffix:thiazide|suffix:thalidone|name:spironolactone|name:bumetanide|"
        "name:torsemide|name:eplerenone|name:metolazone|name:acetazolamide",
    ),
    (
        "antibiotic",
        "prefix:cef|prefix:ceph|suffix:cillin|suffix:mycin|suffix:micin|suffix:floxacin|suffix:cycline|"
        "suffix:penem|suffix:bactam|name:vancomycin|name:metronidazole|name:linezolid|name:sulfamethoxazole|"
        "name:nitrofurantoin|name:rifampin|name:daptomycin",
    ),
    ("antiviral", "suffix:vir|suffix:vudine"),
    ("antifungal", "suffix:conazole|suffix:fungin|name:nystatin|name:terbinafine"),
    ("benzodiazepine", "suffix:azepam|suffix:azolam|name:clonazepam"),
    ("triptan", "suffix:triptan"),
    ("corticosteroid", "suffix:sone|suffix:solone|suffix:olone|suffix:cortisone"),
    (
        "antidepressant",
        "suffix:oxetine|suffix:pram|suffix:traline|name:trazodone|name:mirtazapine|name:bupropion|"
        "suffix:faxine|suffix:triptyline",
    ),
    ("antiemetic", "suffix:setron|name:prochlorperazine|name:metoclopramide|name:promethazine"),
    ("antibody", "suffix:mab"),
    ("kinase inhibitor", "suffix:tinib"),
)

#: Inpatient staples, most frequent first: they take the top of the frequency ranking and are
#: always in the shared pool, as the most common drugs are in real discharge summaries.
COMMON = (
    "aspirin",
    "metoprolol",
    "heparin",
    "acetaminophen",
    "docusate",
    "furosemide",
    "lisinopril",
    "potassium chloride",
    "insulin lispro",
    "pantoprazole",
    "atorvastatin",
    "warfarin",
    "senna",
    "oxycodone",
    "vancomycin",
    "simvastatin",
    "magnesium oxide",
    "albuterol",
    "prednisone",
    "levothyroxine",
    "amlodipine",
    "morphine",
    "ceftriaxone",
    "insulin glargine",
    "lorazepam",
    "enoxaparin",
    "metformin",
    "hydralazine",
    "ondansetron",
    "gabapentin",
    "omeprazole",
    "carvedilol",
    "clopidogrel",
    "bisacodyl",
    "tamsulosin",
    "folic acid",
    "hydromorphone",
    "lactulose",
    "haloperidol",
    "quetiapine",
    "spironolactone",
    "diltiazem",
    "digoxin",
    "nitroglycerin",
    "ipratropium",
    "calcium carbonate",
    "sertraline",
    "trazodone",
    "allopurinol",
    "famotidine",
    "tramadol",
    "polyethylene glycol",
    "citalopram",
    "zolpidem",
    "fentanyl",
    "labetalol",
    "apixaban",
    "piperacillin",
    "ciprofloxacin",
    "levofloxacin",
    "metronidazole",
    "azithromycin",
    "prochlorperazine",
    "ferrous sulfate",
)

#: Short forms clinicians write for some of the staples.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "aspirin": ("ASA",),
    "hydrochlorothiazide": ("HCTZ",),
    "potassium chloride": ("KCl", "K-Dur"),
    "acetaminophen": ("APAP", "Tylenol"),
    "morphine": ("MSO4", "MS Contin"),
    "nitroglycerin": ("NTG", "nitro"),
    "magnesium oxide": ("MgO", "Mag-Oxide"),
    "vancomycin": ("vanc", "vanco"),
    "piperacillin": ("pip-tazo", "zosyn"),
    "polyethylene glycol": ("PEG", "Miralax"),
    "insulin lispro": ("Humalog",),
    "insulin glargine": ("Lantus",),
    "metoprolol": ("Lopressor", "Toprol XL"),
    "furosemide": ("Lasix",),
    "warfarin": ("Coumadin",),
    "docusate": ("Colace",),
    "ondansetron": ("Zofran",),
    "pantoprazole": ("Protonix",),
    "atorvastatin": ("Lipitor",),
    "oxycodone": ("Percocet", "OxyContin"),
}


#: Group and class mentions that n2c2 annotates as Drug ("started on IV antibiotics").
GENERIC_MENTIONS: dict[str, str] = {
    "antibiotics": "antibiotic",
    "IV antibiotics": "antibiotic",
    "diuretics": "diuretic",
    "IV diuretics": "diuretic",
    "pain medications": "analgesic",
    "narcotics": "opioid",
    "steroids": "corticosteroid",
    "insulin sliding scale": "insulin",
    "stool softeners": "laxative",
    "nebulizers": "bronchodilator",
    "anticoagulation": "anticoagulant",
    "blood pressure medications": "ace inhibitor",
    "beta blocker": "beta blocker",
    "PPI": "acid suppressant",
    "IV fluids": "electrolyte",
    "antiemetics": "antiemetic",
}

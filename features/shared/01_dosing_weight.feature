Feature: Dosing weight
  The weight every dose of an including policy is calculated on. Each example
  runs under every policy that includes the statement, from that policy's
  own source case.

  @DOSE-WEIGHT @cite.source-assessment @cite.nba-ibw
  Rule: The dose is calculated on ideal body weight
    The dose is calculated on ideal body weight by the Devine formula. Actual body weight is used instead when it is lower than ideal body weight, when the patient is under 18 years of age, or when the patient is shorter than 152.4 cm.

    Scenario: An adult heavier than ideal body weight is dosed on ideal body weight
      Given a request like the source case
      And patient.sex is female
      And patient.age_years is 52
      And patient.height_cm is 162.6
      And patient.weight_kg is 70
      When the request is assessed
      Then DOSE-WEIGHT applies
      And the ideal body weight is 54.7 kg
      And the dosing weight is 54.7 kg (ideal)
      And the decision is approve
      And there are no changes

    Scenario: An adult man heavier than ideal body weight is dosed on the male ideal body weight
      Given a request like the source case
      And patient.sex is male
      And patient.age_years is 40
      And patient.height_cm is 180
      And patient.weight_kg is 90
      When the request is assessed
      Then the ideal body weight is 75.0 kg
      And the dosing weight is 75.0 kg (ideal)

    Scenario: An adult lighter than ideal body weight is dosed on actual weight
      Given a request like the source case
      And patient.sex is female
      And patient.age_years is 52
      And patient.height_cm is 162.6
      And patient.weight_kg is 50
      When the request is assessed
      Then DOSE-WEIGHT applies
      And the ideal body weight is 54.7 kg
      And the dosing weight is 50.0 kg (actual)

    @boundary
    Scenario: An adult whose actual weight equals ideal body weight is dosed on ideal body weight
      Given a request like the source case
      And patient.sex is male
      And patient.age_years is 61
      And patient.height_cm is 152.4
      And patient.weight_kg is 50
      When the request is assessed
      Then the ideal body weight is 50.0 kg
      And the dosing weight is 50.0 kg (ideal)

    @boundary
    Scenario Outline: A patient shorter than 152.4 cm is dosed on actual weight
      Given a request like the source case
      And patient.sex is female
      And patient.age_years is 40
      And patient.height_cm is <height>
      And patient.weight_kg is 70
      When the request is assessed
      Then the dosing weight is <dosing> kg (<basis>)

      Examples:
        | height | dosing | basis  |
        | 152.4  | 45.5   | ideal  |
        | 152.3  | 70.0   | actual |

    @boundary
    Scenario Outline: A patient under 18 is dosed on actual weight
      Given a request like the source case
      And patient.sex is male
      And patient.age_years is <age>
      And patient.height_cm is 180
      And patient.weight_kg is 90
      When the request is assessed
      Then the dosing weight is <dosing> kg (<basis>)

      Examples:
        | age | dosing | basis  |
        | 18  | 75.0   | ideal  |
        | 17  | 90.0   | actual |

    Scenario: A child is dosed on actual weight even without a stated sex
      Given a request like the source case
      And patient is not stated
      And patient.age_years is 10
      And patient.height_cm is 140
      And patient.weight_kg is 35
      When the request is assessed
      Then the dosing weight is 35.0 kg (actual)
      And the decision is approve

    Scenario: A patient without a stated age is dosed as an adult
      Given a request like the source case
      And patient is not stated
      And patient.sex is female
      And patient.height_cm is 162.6
      And patient.weight_kg is 70
      When the request is assessed
      Then the dosing weight is 54.7 kg (ideal)
      And the ideal body weight is 54.7 kg

    Scenario: Height in inches and weight in pounds give the same ideal body weight
      Given a request like the source case
      And patient is not stated
      And patient.sex is female
      And patient.age_years is 52
      And patient.height_in is 64
      And patient.weight_lb is 180
      When the request is assessed
      Then the ideal body weight is 54.7 kg
      And the dosing weight is 54.7 kg (ideal)

    Scenario: Without patient measurements no dosing weight is determined
      Given a request like the source case
      And patient is not stated
      When the request is assessed
      Then DOSE-WEIGHT does not apply
      And DOSE-WEIGHT is unknown
      And there is no dosing weight
      And there is no ideal body weight
      And the decision is approve

    Scenario: A dose stated only in g/kg is checked without a height
      Given a request like the source case
      And patient is not stated
      And patient.sex is female
      And patient.age_years is 52
      And patient.weight_kg is 70
      When the request is assessed
      Then there is no dosing weight
      And the decision is approve
      And there are no reasons

    Scenario Outline: A course stated in grams without the data for a dosing weight is pended
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is 100
      And patient.sex is female
      And patient.age_years is 52
      And patient.height_cm is 162.6
      And patient.weight_kg is 70
      And <removed> is not stated
      When the request is assessed
      Then the decision is pend
      And the reasons are DOSE-WEIGHT
      And DOSE-WEIGHT is missing <removed>
      And DOSE-WEIGHT is unknown
      And there is no dosing weight
      And nothing is authorized

      Examples:
        | removed           |
        | patient.height_cm |
        | patient.weight_kg |
        | patient.sex       |

    Scenario: A child's course in grams without a height is pended
      Given a request like the source case
      And patient is not stated
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is 60
      And patient.age_years is 10
      And patient.weight_kg is 35
      When the request is assessed
      Then the decision is pend
      And the reasons are DOSE-WEIGHT
      And DOSE-WEIGHT is missing patient.height_cm
      And there is no dosing weight
      And nothing is authorized

    Scenario: A short patient's course in grams needs no stated sex
      Given a request like the source case
      And patient is not stated
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is 100
      And patient.age_years is 40
      And patient.height_cm is 150
      And patient.weight_kg is 60
      When the request is assessed
      Then DOSE-WEIGHT applies
      And the dosing weight is 60.0 kg (actual)
      And there are no reasons

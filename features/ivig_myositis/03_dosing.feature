Feature: Dosing
  How the dosing weight, the course maximum, the course schedule and the
  number of courses of an authorization are determined.

  @DOSE-WEIGHT @include
  Rule: Included from the shared statements

  @DOSE-TOTAL @cite.source-assessment @cite.octagam-label @cite.dalakas-1993 @cite.aggarwal-2022
  Rule: A course is at most 2 g/kg of dosing weight
    A course is at most 2 g/kg of dosing weight. To allow whole vials, the course maximum may be rounded to the nearest 5 g, and the larger of the exact and the rounded maximum is allowed.

    Scenario Outline: The course maximum and the requested course follow the dosing weight
      Given a request like the source case
      And patient.sex is <sex>
      And patient.age_years is <age>
      And patient.height_cm is <height>
      And patient.weight_kg is <weight>
      When the request is assessed
      Then the dosing weight is <dosing> kg (<basis>)
      And the course maximum is <maximum> g
      And the requested course is <requested> g

      Examples:
        | sex    | age | height | weight | dosing | basis  | maximum | requested |
        | female | 52  | 162.6  | 70     | 54.7   | ideal  | 110.0   | 109.5     |
        | male   | 40  | 180    | 90     | 75.0   | ideal  | 150.0   | 150.0     |
        | female | 52  | 162.6  | 50     | 50.0   | actual | 100.0   | 100.0     |
        | female | 40  | 152.4  | 70     | 45.5   | ideal  | 91.0    | 91.0      |
        | female | 40  | 152.3  | 70     | 70.0   | actual | 140.0   | 140.0     |
        | male   | 17  | 180    | 90     | 90.0   | actual | 180.0   | 180.0     |
        | female | 10  | 140    | 35     | 35.0   | actual | 70.0    | 70.0      |

    Scenario: Without patient measurements there is no course maximum and the requested course is unknown
      Given a request like the source case
      When the request is assessed
      Then there is no dosing weight
      And there is no course maximum
      And the requested course is unknown
      And the decision is approve

    Scenario: A short patient's course in grams is checked against the maximum on actual weight
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is 100
      And patient.age_years is 40
      And patient.height_cm is 150
      And patient.weight_kg is 60
      When the request is assessed
      Then the course maximum is 120.0 g
      And the decision is approve

    Scenario: A dose above 2 g/kg is reduced to 2 g/kg
      Given a request like the source case
      And regimen.dose_g_per_kg is 2.5
      When the request is assessed
      Then the decision is modify
      And DOSE-TOTAL applies
      And dose_g_per_kg is changed from 2.5 to 2.0 by DOSE-TOTAL
      And the authorized dose_g_per_kg is 2.0

    Scenario: A dose above 2 g/kg is reduced while the requested course is reported as asked
      Given a request like the source case
      And regimen.dose_g_per_kg is 2.5
      And patient.sex is female
      And patient.age_years is 52
      And patient.height_cm is 162.6
      And patient.weight_kg is 70
      When the request is assessed
      Then dose_g_per_kg is changed from 2.5 to 2.0 by DOSE-TOTAL
      And the requested course is 136.8 g
      And the course maximum is 110.0 g

    Scenario Outline: A dose of 2 g/kg or less is not changed
      Given a request like the source case
      And regimen.dose_g_per_kg is <dose>
      When the request is assessed
      Then DOSE-TOTAL does not apply
      And DOSE-TOTAL is met
      And there are no changes
      And the authorized dose_g_per_kg is <dose>

      Examples:
        | dose |
        | 2.0  |
        | 1.0  |
        | 0.4  |

    @boundary
    Scenario Outline: A course total within the vial-rounded maximum is not changed
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is <total>
      And patient.sex is female
      And patient.age_years is 52
      And patient.height_cm is 162.6
      And patient.weight_kg is 70
      When the request is assessed
      Then the decision is approve
      And DOSE-TOTAL does not apply
      And DOSE-TOTAL is met
      And there are no changes
      And the course maximum is 110.0 g
      And the requested course is <total> g

      Examples:
        | total  |
        | 109.4  |
        | 109.45 |
        | 110.0  |

    @boundary
    Scenario Outline: A course total above the vial-rounded maximum is capped at it
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is <total>
      And patient.sex is female
      And patient.age_years is 52
      And patient.height_cm is 162.6
      And patient.weight_kg is 70
      When the request is assessed
      Then the decision is modify
      And DOSE-TOTAL applies
      And course_total_g is changed from <total> to 110.0 by DOSE-TOTAL
      And the authorized course_total_g is 110.0
      And the course maximum is 110.0 g
      And the requested course is <total> g

      Examples:
        | total |
        | 110.5 |
        | 120.0 |

    @boundary
    Scenario Outline: The exact maximum is allowed when rounding to whole vials would lower it
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is <total>
      And patient.sex is female
      And patient.age_years is 40
      And patient.height_cm is 152.4
      And patient.weight_kg is 70
      When the request is assessed
      Then the decision is approve
      And there are no changes
      And the course maximum is 91.0 g

      Examples:
        | total |
        | 90.5  |
        | 91.0  |

    @boundary
    Scenario: A course total above the exact maximum is capped at it when it is larger than the rounded figure
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is 91.5
      And patient.sex is female
      And patient.age_years is 40
      And patient.height_cm is 152.4
      And patient.weight_kg is 70
      When the request is assessed
      Then the decision is modify
      And course_total_g is changed from 91.5 to 91.0 by DOSE-TOTAL
      And the course maximum is 91.0 g

    @boundary
    Scenario: A course total at a half-way maximum rounded up to the next whole vial is not changed
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is 95
      And patient.sex is female
      And patient.age_years is 40
      And patient.height_cm is 150
      And patient.weight_kg is 46.25
      When the request is assessed
      Then the decision is approve
      And there are no changes
      And the course maximum is 95.0 g

    @boundary
    Scenario: A course total above a half-way maximum rounded up is capped at the rounded figure
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is 95.5
      And patient.sex is female
      And patient.age_years is 40
      And patient.height_cm is 150
      And patient.weight_kg is 46.25
      When the request is assessed
      Then the decision is modify
      And course_total_g is changed from 95.5 to 95.0 by DOSE-TOTAL
      And the course maximum is 95.0 g

    Scenario: A course total cannot be checked against the maximum without a dosing weight
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is 100
      When the request is assessed
      Then the decision is pend
      And DOSE-TOTAL is unknown
      And the reasons are DOSE-WEIGHT
      And there is no course maximum
      And the requested course is 100.0 g

    Scenario: A dose and a course total are each checked
      Given a request like the source case
      And regimen.dose_g_per_kg is 2.0
      And regimen.course_total_g is 120
      And regimen.days is [3, 3]
      And patient.sex is female
      And patient.age_years is 52
      And patient.height_cm is 162.6
      And patient.weight_kg is 70
      When the request is assessed
      Then the decision is modify
      And course_total_g is changed from 120.0 to 110.0 by DOSE-TOTAL
      And the authorized dose_g_per_kg is 2.0
      And the authorized course_total_g is 110.0
      And the authorized days is [3, 3]
      And the dosing weight is 54.7 kg (ideal)
      And the ideal body weight is 54.7 kg
      And the course maximum is 110.0 g
      And the requested course is 120.0 g

  @DOSE-DAYS @cite.source-assessment @cite.octagam-label @cite.wang-2012
  Rule: A course is divided over 2 to 5 days
    Each course is divided over 2 to 5 consecutive days.

    @boundary
    Scenario Outline: A course planned over fewer than 2 or more than 5 days is brought within 2 to 5 days
      Given a request like the source case
      And regimen.days is <requested>
      When the request is assessed
      Then the decision is modify
      And DOSE-DAYS applies
      And days is changed from <requested> to <authorized> by DOSE-DAYS
      And the authorized days is <authorized>

      Examples:
        | requested | authorized |
        | [1, 1]    | [2, 2]     |
        | [1, 6]    | [2, 5]     |
        | [6, 7]    | [5, 5]     |
        | [1, 3]    | [2, 3]     |
        | [4, 6]    | [4, 5]     |

    @boundary
    Scenario Outline: A course planned within 2 to 5 days is not changed
      Given a request like the source case
      And regimen.days is <requested>
      When the request is assessed
      Then the decision is approve
      And DOSE-DAYS does not apply
      And DOSE-DAYS is met
      And there are no changes

      Examples:
        | requested |
        | 3         |
        | 2         |
        | 5         |
        | [2, 3]    |
        | [2, 5]    |
        | [5, 5]    |

  @DOSE-HIGH @cite.source-assessment
  Rule: A course above 80 g may be extended over 3 to 5 days
    A course of more than 80 g may be extended over 3 to 5 days at 0.4 g/kg per day to limit adverse effects.

    @boundary
    Scenario Outline: Extending the course is advised only above 80 g
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is <total>
      And patient.sex is male
      And patient.age_years is 40
      And patient.height_cm is 180
      And patient.weight_kg is 90
      When the request is assessed
      Then the decision is approve
      And DOSE-HIGH <outcome>

      Examples:
        | total | outcome        |
        | 80    | does not apply |
        | 80.5  | applies        |

    Scenario: A course of unknown size over 2 days is advised to be extended
      Given a request like the source case
      When the request is assessed
      Then the requested course is unknown
      And DOSE-HIGH applies
      And the advice include DOSE-HIGH

    Scenario: A course computed from g/kg above 80 g over 2 days is advised to be extended
      Given a request like the source case
      And patient.sex is female
      And patient.age_years is 52
      And patient.height_cm is 162.6
      And patient.weight_kg is 70
      When the request is assessed
      Then the requested course is 109.5 g
      And the advice include DOSE-HIGH

    Scenario Outline: A course already planned over at least 3 days needs no advice to extend it
      Given a request like the source case
      And regimen.days is <days>
      When the request is assessed
      Then DOSE-HIGH does not apply
      And DOSE-HIGH is not applicable
      And the advice do not include DOSE-HIGH

      Examples:
        | days   |
        | [3, 3] |
        | [3, 5] |
        | 4      |

    Scenario: A course of 80 g or less is not advised to be extended
      Given a request like the source case
      And patient.sex is female
      And patient.age_years is 52
      And patient.height_cm is 162.6
      And patient.weight_kg is 70
      And regimen.dose_g_per_kg is 1.0
      When the request is assessed
      Then the requested course is 54.7 g
      And the advice do not include DOSE-HIGH

  @DOSE-INTERVAL @cite.source-assessment @cite.octagam-label @cite.dalakas-1993
  Rule: Courses are given every 28 days
    Courses are given every 28 days (monthly). A longer interval between courses is allowed; a shorter one is not.

    @boundary
    Scenario Outline: An interval shorter than 28 days is lengthened to 28 days
      Given a request like the source case
      And regimen.interval_days is <interval>
      When the request is assessed
      Then the decision is modify
      And DOSE-INTERVAL applies
      And interval_days is changed from <interval> to 28 by DOSE-INTERVAL
      And the authorized interval_days is 28

      Examples:
        | interval |
        | 27       |
        | 21       |
        | 14       |

    @boundary
    Scenario Outline: An interval of 28 days or longer is not changed
      Given a request like the source case
      And regimen.interval_days is <interval>
      When the request is assessed
      Then the decision is approve
      And DOSE-INTERVAL does not apply
      And DOSE-INTERVAL is met
      And there are no changes
      And the authorized interval_days is <interval>

      Examples:
        | interval |
        | 28       |
        | 35       |
        | 56       |

  @DOSE-COURSES @cite.source-assessment @cite.wang-2012
  Rule: One authorization covers at most 6 monthly courses
    One authorization covers at most 6 monthly courses, in line with an initial treatment of 1 to 6 months.

    @boundary
    Scenario Outline: More than 6 courses are reduced to 6
      Given a request like the source case
      And regimen.courses is <courses>
      When the request is assessed
      Then the decision is modify
      And DOSE-COURSES applies
      And courses is changed from <courses> to 6 by DOSE-COURSES
      And the authorized courses is 6

      Examples:
        | courses |
        | 7       |
        | 12      |

    @boundary
    Scenario Outline: Up to 6 courses are authorized as requested
      Given a request like the source case
      And regimen.courses is <courses>
      When the request is assessed
      Then the decision is approve
      And DOSE-COURSES does not apply
      And DOSE-COURSES is met
      And there are no changes
      And the authorized courses is <courses>

      Examples:
        | courses |
        | 6       |
        | 3       |
        | 1       |

    Scenario: A request that does not state the number of courses is authorized for 6 without a change
      Given a request like the source case
      When the request is assessed
      Then the decision is approve
      And DOSE-COURSES does not apply
      And there are no changes
      And the authorized courses is 6

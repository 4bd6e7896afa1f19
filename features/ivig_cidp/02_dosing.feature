Feature: Dosing
  How the dosing weight, the loading course, the maintenance courses, the
  interval between them and the number of courses an authorization covers
  are determined. The dosing weight (DOSE-WEIGHT, shared with the other IVIG
  policies) is a payer's dosing-weight rule: the CIDP trials dosed on actual
  body weight, so its support for this policy is extrapolated. Privigen is
  labelled for adults: a patient under 18 is dosed on the same figures
  off-label.

  @DOSE-WEIGHT @include
  Rule: Included from the shared statements

  @DOSE-LOADING @cite.eanpns-2021 @cite.transfusion-ontario-cidp @cite.privigen-label @cite.hughes-2008
  Rule: A loading course is at most 2 g/kg divided over 2 to 5 days
    A loading course is at most 2 g/kg of dosing weight, divided over 2 to 5 consecutive days. To allow whole vials, the maximum of a course may be rounded to the nearest 5 g, and the larger of the exact and the rounded maximum is allowed.

    Scenario Outline: The loading and maintenance maxima and the requested courses follow the dosing weight
      Given a request like the source case
      And patient.sex is <sex>
      And patient.age_years is <age>
      And patient.height_cm is <height>
      And patient.weight_kg is <weight>
      When the request is assessed
      Then the dosing weight is <dosing> kg (<basis>)
      And the loading maximum is <loading_max> g
      And the maintenance maximum is <maintenance_max> g
      And the requested loading course is <loading> g
      And the requested maintenance course is <maintenance> g

      Examples:
        | sex    | age | height | weight | dosing | basis  | loading_max | maintenance_max | loading | maintenance |
        | male   | 61  | 178    | 92     | 73.2   | ideal  | 146.4       | 75.0            | 146.4   | 73.2        |
        | female | 52  | 162.6  | 70     | 54.7   | ideal  | 110.0       | 55.0            | 109.5   | 54.7        |
        | male   | 40  | 180    | 90     | 75.0   | ideal  | 150.0       | 75.0            | 150.0   | 75.0        |
        | female | 52  | 162.6  | 50     | 50.0   | actual | 100.0       | 50.0            | 100.0   | 50.0        |
        | female | 40  | 152.4  | 70     | 45.5   | ideal  | 91.0        | 45.5            | 91.0    | 45.5        |
        | female | 40  | 152.3  | 70     | 70.0   | actual | 140.0       | 70.0            | 140.0   | 70.0        |
        | male   | 17  | 180    | 90     | 90.0   | actual | 180.0       | 90.0            | 180.0   | 90.0        |

    Scenario: Without patient measurements there are no maxima and the requested courses are unknown
      Given a request like the source case
      And patient is not stated
      When the request is assessed
      Then there is no loading maximum
      And there is no maintenance maximum
      And the requested loading course is unknown
      And the requested maintenance course is unknown
      And the decision is approve
      And DOSE-LOADING is met
      And DOSE-MAINTENANCE is met

    Scenario: Both maxima are reported for a request without a loading course
      Given a request like the source case
      And regimen.loading is not stated
      When the request is assessed
      Then DOSE-LOADING does not apply
      And DOSE-LOADING is not applicable
      And the loading maximum is 146.4 g
      And the maintenance maximum is 75.0 g
      And the requested loading course is unknown
      And the requested maintenance course is 73.2 g
      And the decision is approve
      And the authorized loading is null

    @boundary
    Scenario Outline: A loading dose above 2 g/kg is reduced to 2 g/kg
      Given a request like the source case
      And regimen.loading.dose_g_per_kg is <dose>
      When the request is assessed
      Then the decision is modify
      And DOSE-LOADING applies
      And loading.dose_g_per_kg is changed from <dose> to 2.0 by DOSE-LOADING
      And the authorized loading.dose_g_per_kg is 2.0
      And the authorized dose_g_per_kg is 1.0

      Examples:
        | dose |
        | 2.1  |
        | 2.5  |

    @boundary
    Scenario Outline: A loading dose of 2 g/kg or less is not changed
      Given a request like the source case
      And regimen.loading.dose_g_per_kg is <dose>
      When the request is assessed
      Then the decision is approve
      And DOSE-LOADING does not apply
      And DOSE-LOADING is met
      And there are no changes
      And the authorized loading.dose_g_per_kg is <dose>

      Examples:
        | dose |
        | 2.0  |
        | 1.0  |

    @boundary
    Scenario Outline: A loading course total within the maximum is not changed, the exact maximum standing where rounding would lower it
      Given a request like the source case
      And regimen.loading.dose_g_per_kg is not stated
      And regimen.loading.course_total_g is <total>
      When the request is assessed
      Then the decision is approve
      And DOSE-LOADING does not apply
      And DOSE-LOADING is met
      And there are no changes
      And the loading maximum is 146.4 g
      And the requested loading course is <total> g
      And the authorized loading.course_total_g is <total>

      Examples:
        | total |
        | 145.0 |
        | 146.4 |

    @boundary
    Scenario Outline: A loading course total above the maximum is capped at it
      Given a request like the source case
      And regimen.loading.dose_g_per_kg is not stated
      And regimen.loading.course_total_g is <total>
      When the request is assessed
      Then the decision is modify
      And DOSE-LOADING applies
      And loading.course_total_g is changed from <total> to 146.4 by DOSE-LOADING
      And the authorized loading.course_total_g is 146.4
      And the requested loading course is <total> g

      Examples:
        | total |
        | 146.5 |
        | 150.0 |

    Scenario: A loading dose and a loading course total are each checked
      Given a request like the source case
      And regimen.loading.dose_g_per_kg is 2.0
      And regimen.loading.course_total_g is 160
      When the request is assessed
      Then the decision is modify
      And loading.course_total_g is changed from 160.0 to 146.4 by DOSE-LOADING
      And the authorized loading.dose_g_per_kg is 2.0
      And the authorized loading.course_total_g is 146.4
      And the authorized loading.days is [2, 5]

    @boundary
    Scenario Outline: A loading course planned over fewer than 2 or more than 5 days is brought within 2 to 5 days
      Given a request like the source case
      And regimen.loading.days is <requested>
      When the request is assessed
      Then the decision is modify
      And DOSE-LOADING applies
      And loading.days is changed from <requested> to <authorized> by DOSE-LOADING
      And the authorized loading.days are <authorized>

      Examples:
        | requested | authorized |
        | [1, 1]    | [2, 2]     |
        | [1, 6]    | [2, 5]     |
        | [6, 7]    | [5, 5]     |
        | [1, 3]    | [2, 3]     |
        | [4, 6]    | [4, 5]     |

    @boundary
    Scenario Outline: A loading course planned within 2 to 5 days is not changed
      Given a request like the source case
      And regimen.loading.days is <requested>
      When the request is assessed
      Then the decision is approve
      And DOSE-LOADING does not apply
      And there are no changes
      And the authorized loading.days are <authorized>

      Examples:
        | requested | authorized |
        | [2, 5]    | [2, 5]     |
        | 2         | [2, 2]     |
        | 5         | [5, 5]     |
        | [3, 4]    | [3, 4]     |

    Scenario: A loading course in grams without the data for a dosing weight is pended for that data
      Given a request like the source case
      And patient is not stated
      And regimen.loading.dose_g_per_kg is not stated
      And regimen.loading.course_total_g is 140
      When the request is assessed
      Then the decision is pend
      And the reasons are DOSE-WEIGHT
      And DOSE-WEIGHT is missing patient.height_cm, patient.weight_kg, patient.sex
      And DOSE-LOADING does not apply
      And DOSE-LOADING is unknown
      And there is no loading maximum
      And the requested loading course is 140.0 g
      And nothing is authorized

  @DOSE-RELOAD @cite.eanpns-2021
  Rule: A loading course on a continuation needs clinical review
    A loading course requested on a continuation is a re-induction after relapse, and it needs clinical review.

    Scenario: A continuation with a new loading course is pended for clinical review
      Given a continuation request like the source case
      And regimen.loading is {"dose_g_per_kg": 2.0, "days": [2, 5]}
      When the request is assessed
      Then the decision is pend
      And DOSE-RELOAD applies
      And the reasons are DOSE-RELOAD
      And nothing is authorized

    Scenario: A re-induction above 2 g/kg is pended and its reduction still reported
      Given a continuation request like the source case
      And regimen.loading is {"dose_g_per_kg": 2.5, "days": [2, 5]}
      When the request is assessed
      Then the decision is pend
      And DOSE-RELOAD applies
      And the reasons are DOSE-RELOAD
      And loading.dose_g_per_kg is changed from 2.5 to 2.0 by DOSE-LOADING

    Scenario: A continuation of maintenance courses only needs no review of a loading course
      Given a continuation request like the source case
      When the request is assessed
      Then DOSE-RELOAD does not apply
      And DOSE-RELOAD is not applicable
      And the decision is approve

    Scenario: A loading course on a first request needs no review
      Given a request like the source case
      When the request is assessed
      Then DOSE-RELOAD does not apply
      And DOSE-RELOAD is met
      And the decision is approve

  @DOSE-MAINTENANCE @cite.hughes-2008 @cite.kuwabara-2017 @cite.privigen-label @cite.transfusion-ontario-cidp @cite.cornblath-2022 @cite.eanpns-2021
  Rule: A maintenance course is at most 1 g/kg given over 1 or 2 days
    A maintenance course is at most 1 g/kg of dosing weight, given over 1 or 2 consecutive days. To allow whole vials, the maximum of a course may be rounded to the nearest 5 g, and the larger of the exact and the rounded maximum is allowed.

    @boundary
    Scenario Outline: A maintenance dose above 1 g/kg is reduced to 1 g/kg
      Given a request like the source case
      And regimen.dose_g_per_kg is <dose>
      When the request is assessed
      Then the decision is modify
      And DOSE-MAINTENANCE applies
      And dose_g_per_kg is changed from <dose> to 1.0 by DOSE-MAINTENANCE
      And the authorized dose_g_per_kg is 1.0
      And the authorized loading.dose_g_per_kg is 2.0

      Examples:
        | dose |
        | 1.1  |
        | 2.0  |

    @boundary
    Scenario Outline: A maintenance dose of 1 g/kg or less is not changed
      Given a request like the source case
      And regimen.dose_g_per_kg is <dose>
      When the request is assessed
      Then the decision is approve
      And DOSE-MAINTENANCE does not apply
      And DOSE-MAINTENANCE is met
      And there are no changes
      And the authorized dose_g_per_kg is <dose>

      Examples:
        | dose |
        | 1.0  |
        | 0.4  |

    @boundary
    Scenario Outline: A maintenance course total within the maximum rounded up to whole vials is not changed
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is <total>
      When the request is assessed
      Then the decision is approve
      And DOSE-MAINTENANCE does not apply
      And DOSE-MAINTENANCE is met
      And there are no changes
      And the maintenance maximum is 75.0 g
      And the requested maintenance course is <total> g

      Examples:
        | total |
        | 73.2  |
        | 75.0  |

    @boundary
    Scenario Outline: A maintenance course total above the maximum rounded up to whole vials is capped at it
      Given a request like the source case
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is <total>
      When the request is assessed
      Then the decision is modify
      And DOSE-MAINTENANCE applies
      And course_total_g is changed from <total> to 75.0 by DOSE-MAINTENANCE
      And the authorized course_total_g is 75.0

      Examples:
        | total |
        | 75.5  |
        | 80.0  |

    @boundary
    Scenario Outline: A maintenance maximum half-way between whole vials is rounded up
      Given a request like the source case
      And patient.sex is female
      And patient.age_years is 40
      And patient.height_cm is 150
      And patient.weight_kg is 72.5
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is <total>
      When the request is assessed
      Then the dosing weight is 72.5 kg (actual)
      And the maintenance maximum is 75.0 g
      And the decision is <decision>
      And DOSE-MAINTENANCE <outcome>

      Examples:
        | total | decision | outcome        |
        | 75.0  | approve  | does not apply |
        | 75.5  | modify   | applies        |

    @boundary
    Scenario Outline: The exact maintenance maximum stands when rounding to whole vials would lower it
      Given a request like the source case
      And patient.sex is female
      And patient.age_years is 40
      And patient.height_cm is 152.4
      And patient.weight_kg is 70
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is <total>
      When the request is assessed
      Then the maintenance maximum is 45.5 g
      And the decision is <decision>
      And DOSE-MAINTENANCE <outcome>

      Examples:
        | total | decision | outcome        |
        | 45.5  | approve  | does not apply |
        | 46.0  | modify   | applies        |

    @boundary
    Scenario Outline: A maintenance course planned over more than 2 days is brought within 1 to 2 days
      Given a request like the source case
      And regimen.days is <requested>
      When the request is assessed
      Then the decision is modify
      And DOSE-MAINTENANCE applies
      And days is changed from <requested> to <authorized> by DOSE-MAINTENANCE
      And the authorized days are <authorized>

      Examples:
        | requested | authorized |
        | [3, 4]    | [2, 2]     |
        | [1, 3]    | [1, 2]     |
        | [2, 3]    | [2, 2]     |
        | [3, 3]    | [2, 2]     |

    @boundary
    Scenario Outline: A maintenance course planned within 1 to 2 days is not changed
      Given a request like the source case
      And regimen.days is <requested>
      When the request is assessed
      Then the decision is approve
      And DOSE-MAINTENANCE does not apply
      And there are no changes
      And the authorized days are <authorized>

      Examples:
        | requested | authorized |
        | [1, 2]    | [1, 2]     |
        | 1         | [1, 1]     |
        | 2         | [2, 2]     |

    Scenario: A maintenance course in grams without the data for a dosing weight is pended for that data
      Given a request like the source case
      And patient is not stated
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is 70
      When the request is assessed
      Then the decision is pend
      And the reasons are DOSE-WEIGHT
      And DOSE-WEIGHT is missing patient.height_cm, patient.weight_kg, patient.sex
      And DOSE-MAINTENANCE does not apply
      And DOSE-MAINTENANCE is unknown
      And there is no maintenance maximum
      And nothing is authorized

  @DOSE-MAINT-INTERVAL @cite.eanpns-2021 @cite.hughes-2008 @cite.privigen-label
  Rule: Maintenance courses are at least 21 days apart
    Maintenance courses are given at least 21 days apart. When end-of-dose deterioration is documented, an interval of 14 to 20 days is allowed; the interval is never shorter than 14 days.

    @boundary
    Scenario Outline: An interval shorter than 21 days without documented end-of-dose deterioration is lengthened to 21 days
      Given a request like the source case
      And end_of_dose_deterioration is <deterioration>
      And regimen.interval_days is <interval>
      When the request is assessed
      Then the decision is modify
      And DOSE-MAINT-INTERVAL applies
      And interval_days is changed from <interval> to 21 by DOSE-MAINT-INTERVAL
      And the authorized interval_days is 21

      Examples:
        | deterioration | interval |
        | not stated    | 20       |
        | false         | 20       |
        | not stated    | 14       |
        | false         | 7        |

    @boundary
    Scenario Outline: An interval of 21 days or longer is not changed
      Given a request like the source case
      And end_of_dose_deterioration is <deterioration>
      And regimen.interval_days is <interval>
      When the request is assessed
      Then the decision is approve
      And DOSE-MAINT-INTERVAL does not apply
      And DOSE-MAINT-INTERVAL is met
      And there are no changes
      And the authorized interval_days is <interval>

      Examples:
        | deterioration | interval |
        | not stated    | 21       |
        | false         | 21       |
        | not stated    | 28       |
        | true          | 42       |

    @boundary
    Scenario Outline: With documented end-of-dose deterioration an interval of 14 to 20 days is allowed
      Given a request like the source case
      And end_of_dose_deterioration is true
      And regimen.interval_days is <interval>
      When the request is assessed
      Then the decision is approve
      And DOSE-MAINT-INTERVAL does not apply
      And there are no changes
      And the authorized interval_days is <interval>

      Examples:
        | interval |
        | 14       |
        | 20       |

    @boundary
    Scenario Outline: With documented end-of-dose deterioration an interval shorter than 14 days is lengthened to 14 days
      Given a request like the source case
      And end_of_dose_deterioration is true
      And regimen.interval_days is <interval>
      When the request is assessed
      Then the decision is modify
      And DOSE-MAINT-INTERVAL applies
      And interval_days is changed from <interval> to 14 by DOSE-MAINT-INTERVAL
      And the authorized interval_days is 14

      Examples:
        | interval |
        | 13       |
        | 7        |

  @DOSE-DURATION @cite.eanpns-2021 @cite.privigen-label
  Rule: An authorization covers at most 4 courses initially and 26 weeks on continuation
    An initial authorization covers at most 4 maintenance courses. A continuation covers at most 26 weeks of maintenance: the number of courses times the interval between them is at most 182 days, and the authorization covers at least one course. The interval counted is the one authorized, after any change to the interval requested.

    @boundary
    Scenario Outline: More than 4 maintenance courses on a first request are reduced to 4
      Given a request like the source case
      And regimen.courses is <courses>
      When the request is assessed
      Then the decision is modify
      And DOSE-DURATION applies
      And courses is changed from <courses> to 4 by DOSE-DURATION
      And the authorized courses is 4

      Examples:
        | courses |
        | 5       |
        | 8       |

    @boundary
    Scenario Outline: Up to 4 maintenance courses on a first request are authorized as requested
      Given a request like the source case
      And regimen.courses is <courses>
      When the request is assessed
      Then the decision is approve
      And DOSE-DURATION does not apply
      And DOSE-DURATION is met
      And there are no changes
      And the authorized courses is <courses>

      Examples:
        | courses |
        | 4       |
        | 1       |

    Scenario: A first request that does not state the number of courses is authorized for 4 without a change
      Given a request like the source case
      And regimen.courses is not stated
      When the request is assessed
      Then the decision is approve
      And DOSE-DURATION does not apply
      And there are no changes
      And the authorized courses is 4

    Scenario: A first request's courses are not counted in weeks, whatever the interval
      Given a request like the source case
      And regimen.interval_days is 60
      And regimen.courses is 4
      When the request is assessed
      Then the decision is approve
      And DOSE-DURATION does not apply
      And the authorized courses is 4

    @boundary
    Scenario Outline: A continuation covers as many courses as fit in 26 weeks at the requested interval
      Given a continuation request like the source case
      And end_of_dose_deterioration is <deterioration>
      And regimen.interval_days is <interval>
      And regimen.courses is <courses>
      When the request is assessed
      Then the decision is approve
      And DOSE-DURATION does not apply
      And there are no changes
      And the authorized courses is <courses>

      Examples:
        | deterioration | interval | courses |
        | not stated    | 21       | 8       |
        | not stated    | 28       | 6       |
        | true          | 14       | 13      |
        | not stated    | 91       | 2       |

    @boundary
    Scenario Outline: More courses than fit in 26 weeks on a continuation are reduced to those that fit
      Given a continuation request like the source case
      And end_of_dose_deterioration is <deterioration>
      And regimen.interval_days is <interval>
      And regimen.courses is <courses>
      When the request is assessed
      Then the decision is modify
      And DOSE-DURATION applies
      And courses is changed from <courses> to <authorized> by DOSE-DURATION
      And the authorized courses is <authorized>

      Examples:
        | deterioration | interval | courses | authorized |
        | not stated    | 21       | 9       | 8          |
        | not stated    | 28       | 7       | 6          |
        | true          | 14       | 14      | 13         |
        | not stated    | 91       | 3       | 2          |

    @boundary
    Scenario: The 26 weeks are counted on the interval after it was lengthened
      Given a continuation request like the source case
      And end_of_dose_deterioration is not stated
      And regimen.interval_days is 14
      And regimen.courses is 13
      When the request is assessed
      Then the decision is modify
      And DOSE-MAINT-INTERVAL applies
      And DOSE-DURATION applies
      And interval_days is changed from 14 to 21 by DOSE-MAINT-INTERVAL
      And courses is changed from 13 to 8 by DOSE-DURATION
      And the authorized interval_days is 21
      And the authorized courses is 8

    Scenario: The same 13 courses every 14 days are authorized with documented end-of-dose deterioration
      Given a continuation request like the source case
      And end_of_dose_deterioration is true
      And regimen.interval_days is 14
      And regimen.courses is 13
      When the request is assessed
      Then the decision is approve
      And there are no changes
      And the authorized interval_days is 14
      And the authorized courses is 13

    @boundary
    Scenario Outline: A continuation that does not state the number of courses is authorized for those that fit in 26 weeks
      Given a continuation request like the source case
      And end_of_dose_deterioration is <deterioration>
      And regimen.interval_days is <interval>
      And regimen.courses is not stated
      When the request is assessed
      Then DOSE-DURATION does not apply
      And the authorized courses is <authorized>
      And the authorized interval_days is <authorized_interval>

      Examples:
        | deterioration | interval | authorized | authorized_interval |
        | not stated    | 21       | 8          | 21                  |
        | not stated    | 28       | 6          | 28                  |
        | true          | 14       | 13         | 14                  |
        | not stated    | 14       | 8          | 21                  |
        | not stated    | 61       | 2          | 61                  |
        | not stated    | 182      | 1          | 182                 |
        | not stated    | 183      | 1          | 183                 |
        | not stated    | 365      | 1          | 365                 |

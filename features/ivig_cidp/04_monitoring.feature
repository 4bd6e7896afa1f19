Feature: Monitoring
  How the response reported on a continuation request decides whether IVIG
  goes on, and how the dose is kept to the lowest that maintains function.

  @MON-RESPONSE @cite.hughes-2008 @cite.cornblath-2022 @cite.transfusion-ontario-cidp
  Rule: A continuation needs an objective improvement once 5 courses have been received
    A continuation needs an objective improvement since the pre-treatment baseline: an adjusted INCAT disability score lower by at least 1 point. Once 5 courses have been received (the loading course and 4 maintenance courses) without that improvement, IVIG is not continued. A continuation without the response data is pended for it.

    Scenario: The source continuation with an improved INCAT score is approved
      Given a continuation request like the source case
      When the request is assessed
      Then the decision is approve
      And MON-RESPONSE does not apply
      And MON-RESPONSE is met
      And there are no changes
      And there are no reasons

    @boundary
    Scenario Outline: After 5 courses, a fall of at least 1 point in the INCAT score is improvement and anything less is not
      Given a continuation request like the source case
      And response.courses_received is 5
      And response.incat_change is <incat>
      When the request is assessed
      Then the decision is <decision>
      And MON-RESPONSE <outcome>
      And MON-RESPONSE is <reported>

      Examples:
        | incat | decision | outcome        | reported |
        | -1    | approve  | does not apply | met      |
        | -3    | approve  | does not apply | met      |
        | 0     | deny     | applies        | not met  |

    @boundary
    Scenario Outline: Without improvement, IVIG is not continued from 5 courses received on
      Given a continuation request like the source case
      And response.incat_change is 0
      And response.courses_received is <received>
      When the request is assessed
      Then the decision is <decision>
      And MON-RESPONSE <outcome>
      And MON-RESPONSE is <reported>

      Examples:
        | received | decision | outcome        | reported |
        | 5        | deny     | applies        | not met  |
        | 4        | approve  | does not apply | met      |

    Scenario: A continuation whose INCAT score worsened after 8 courses is denied
      Given a continuation request like the source case
      And response.incat_change is 2
      And response.courses_received is 8
      When the request is assessed
      Then the decision is deny
      And MON-RESPONSE applies
      And the reasons are MON-RESPONSE
      And nothing is authorized

    Scenario: An improved continuation needs no count of the courses received
      Given a continuation request like the source case
      And response.courses_received is not stated
      When the request is assessed
      Then the decision is approve
      And MON-RESPONSE does not apply
      And there are no reasons

    Scenario: A continuation without response data is pended for it
      Given a continuation request like the source case
      And response is not stated
      When the request is assessed
      Then the decision is pend
      And the reasons are MON-RESPONSE
      And MON-RESPONSE is missing response
      And MON-RESPONSE is unknown
      And nothing is authorized

    Scenario: A continuation without the change in INCAT score is pended for it
      Given a continuation request like the source case
      And response.incat_change is not stated
      When the request is assessed
      Then the decision is pend
      And the reasons are MON-RESPONSE
      And MON-RESPONSE is missing response.incat_change
      And MON-RESPONSE is unknown

    Scenario: A continuation without improvement that does not count the courses received is pended for the count
      Given a continuation request like the source case
      And response.incat_change is 0
      And response.courses_received is not stated
      When the request is assessed
      Then the decision is pend
      And the reasons are MON-RESPONSE
      And MON-RESPONSE is missing response.courses_received
      And MON-RESPONSE is unknown
      And nothing is authorized

    Scenario: A first request is not judged on response, even when one is reported
      Given a request like the source case
      And response is {"weeks_on_therapy": 60, "courses_received": 6, "incat_change": 0}
      When the request is assessed
      Then MON-RESPONSE does not apply
      And MON-RESPONSE is not applicable
      And the decision is approve
      And there are no reasons

  @MON-EARLY @cite.eanpns-2021 @cite.latov-2010
  Rule: Improvement may take up to 5 courses to show
    Up to 5 courses may be needed before improvement shows: the EAN/PNS guideline notes that two to five repeated courses may be needed after induction. A continuation without improvement after fewer than 5 courses is therefore not yet a treatment failure.

    @boundary
    Scenario Outline: A continuation without improvement after fewer than 5 courses is approved with advice that improvement can come late
      Given a continuation request like the source case
      And response.incat_change is <incat>
      And response.courses_received is <received>
      When the request is assessed
      Then the decision is approve
      And MON-EARLY applies
      And MON-RESPONSE does not apply
      And the advice are MON-LOWEST-DOSE, MON-EARLY
      And there are no reasons

      Examples:
        | incat | received |
        | 0     | 4        |
        | 0     | 2        |
        | 1     | 1        |

    @boundary
    Scenario: A continuation without improvement after 5 courses is past the early phase
      Given a continuation request like the source case
      And response.incat_change is 0
      And response.courses_received is 5
      When the request is assessed
      Then MON-EARLY does not apply
      And MON-EARLY is not applicable
      And the advice do not include MON-EARLY

    Scenario: A continuation already improving after few courses needs no early-phase advice
      Given a continuation request like the source case
      And response.incat_change is -1
      And response.courses_received is 3
      When the request is assessed
      Then MON-EARLY does not apply
      And MON-EARLY is not applicable
      And the advice is MON-LOWEST-DOSE

    Scenario: A first request carries no early-phase advice
      Given a request like the source case
      When the request is assessed
      Then MON-EARLY does not apply
      And MON-EARLY is not applicable
      And there is no advice

  @MON-LOWEST-DOSE @cite.eanpns-2021 @cite.transfusion-ontario-cidp @cite.adrichem-2022
  Rule: The lowest dose and longest interval that keep function are sought
    Treatment aims for the lowest dose and the longest interval that keep the patient's function. A reduction of the dose or an extension of the interval is attempted periodically.

    Scenario: A continuation is advised to seek the lowest effective dose
      Given a continuation request like the source case
      When the request is assessed
      Then MON-LOWEST-DOSE applies
      And the advice is MON-LOWEST-DOSE

    Scenario: A denied continuation still carries the advice
      Given a continuation request like the source case
      And response.incat_change is 0
      And response.courses_received is 6
      When the request is assessed
      Then the decision is deny
      And MON-LOWEST-DOSE applies
      And the advice include MON-LOWEST-DOSE

    Scenario: A first request carries no dose reduction advice
      Given a request like the source case
      When the request is assessed
      Then MON-LOWEST-DOSE does not apply
      And MON-LOWEST-DOSE is not applicable
      And the advice do not include MON-LOWEST-DOSE

  @MON-TAPER @cite.adrichem-2022
  Rule: After 52 weeks a dose reduction is attempted
    After 52 weeks of treatment with no documented attempt to reduce the dose or extend the interval, the authorization is conditioned on such an attempt.

    @boundary
    Scenario Outline: After 52 weeks without an attempt to reduce the dose the continuation is conditioned on one
      Given a continuation request like the source case
      And response.weeks_on_therapy is <weeks>
      And response.dose_reduction_attempted is <attempted>
      When the request is assessed
      Then the decision is approve
      And MON-TAPER applies
      And the conditions are SAFE-CARDIAC, SAFE-HYDRATION, MON-TAPER

      Examples:
        | weeks | attempted  |
        | 52    | false      |
        | 60    | false      |
        | 104   | not stated |

    @boundary
    Scenario: Before 52 weeks no dose reduction attempt is required
      Given a continuation request like the source case
      And response.weeks_on_therapy is 51
      And response.dose_reduction_attempted is false
      When the request is assessed
      Then MON-TAPER does not apply
      And MON-TAPER is not applicable
      And the conditions are SAFE-CARDIAC, SAFE-HYDRATION

    Scenario: A documented attempt to reduce the dose after 52 weeks needs no condition
      Given a continuation request like the source case
      And response.weeks_on_therapy is 60
      And response.dose_reduction_attempted is true
      When the request is assessed
      Then MON-TAPER does not apply
      And MON-TAPER is not applicable
      And the conditions do not include MON-TAPER

    Scenario: A continuation that does not state the weeks on therapy is neither conditioned nor pended for them
      Given a continuation request like the source case
      And response.weeks_on_therapy is not stated
      When the request is assessed
      Then MON-TAPER does not apply
      And the decision is approve
      And there are no reasons

    Scenario: A first request is not conditioned on a dose reduction
      Given a request like the source case
      And response is {"weeks_on_therapy": 60, "dose_reduction_attempted": false}
      When the request is assessed
      Then MON-TAPER does not apply
      And the conditions are SAFE-CARDIAC, SAFE-HYDRATION
